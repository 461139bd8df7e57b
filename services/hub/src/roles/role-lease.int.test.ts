import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { createTestDatabase } from '@hub/event-store-postgres';
import { LEASE_LOCKS, RoleLease, type LeaseRole } from './role-lease.js';

jest.setTimeout(60_000);

const adminUrl = process.env.TEST_POSTGRES_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => boolean, ms = 10_000): Promise<number> {
  const from = Date.now();
  while (!check()) {
    if (Date.now() - from > ms) throw new Error(`not within ${ms} ms`);
    await sleep(50);
  }
  return Date.now() - from;
}

/** A competitor that writes down what happens to it, in order. */
function competitor(name: string, url: string, log: string[], role: LeaseRole = 'bridge') {
  const lease = new RoleLease({
    role,
    connectionString: url,
    logger: pino({ level: process.env.LEASE_LOG ?? 'silent' }),
    retryMs: 200,
    checkTimeoutMs: 1000,
    onAcquired: () => void log.push(`${name} active`),
    onLost: async () => {
      await sleep(100); // the work takes a moment to stop
      log.push(`${name} stopped`);
    },
  });
  return lease;
}

/**
 * A TCP relay to PostgreSQL that can stop passing bytes without closing either side: a
 * connection that goes silent (a cable pulled, a firewall dropping packets).
 */
async function silenceableRelay(target: URL) {
  const pairs: Array<[Socket, Socket]> = [];
  let silent = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    pairs.push([client, upstream]);
    client.on('data', (d) => !silent && upstream.write(d));
    upstream.on('data', (d) => !silent && client.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    // A silent line passes no close either: each end finds out by itself.
    client.on('close', () => !silent && upstream.destroy());
    upstream.on('close', () => !silent && client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    silence: () => (silent = true),
    /** The server side finally gives up on the silent connection. */
    cutServerSide: () => pairs.forEach(([, upstream]) => upstream.destroy()),
    close: () => {
      pairs.forEach(([a, b]) => (a.destroy(), b.destroy()));
      return new Promise((r) => server.close(r));
    },
  };
}

(adminUrl ? describe : describe.skip)(
  `role lease on PostgreSQL${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let admin: pg.Client;
    const leases: RoleLease[] = [];
    beforeAll(async () => {
      db = await createTestDatabase(adminUrl!, 'hub_lease');
      admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
    });
    afterEach(async () => {
      await Promise.all(leases.splice(0).map((l) => l.stop()));
    });
    afterAll(async () => {
      await admin?.end();
      await db?.drop();
    });

    /** Ends the connection that holds a role's lock, as the server does when its holder dies. */
    async function cutHolder(role: LeaseRole): Promise<number> {
      const { rows } = await admin.query<{ cut: boolean }>(
        `SELECT pg_terminate_backend(pid) AS cut FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND database = (
            SELECT oid FROM pg_database WHERE datname = current_database())
            AND ((classid::bigint << 32) | objid::bigint) = $1`,
        [LEASE_LOCKS[role]],
      );
      return rows.filter((r) => r.cut).length;
    }

    describe('when two processes compete for the bridge', () => {
      it('one is active, the other stands by; when the holder loses its connection the other takes over within seconds', async () => {
        const log: string[] = [];
        const a = competitor('a', db.url, log);
        const b = competitor('b', db.url, log);
        leases.push(a, b);
        expect(a.state).toBe('electing');
        a.start();
        await eventually(() => a.isActive);
        b.start();
        await eventually(() => b.isConnected);
        await sleep(600); // three of b's tries
        // Positive control: a is the holder, and b, connected, is not.
        expect([a.isActive, b.isActive]).toEqual([true, false]);
        expect([a.state, b.state]).toEqual(['active', 'standby']);
        expect(log).toEqual(['a active']);

        expect(await cutHolder('bridge')).toBe(1);
        const tookMs = await eventually(() => b.isActive, 5000);
        expect(tookMs).toBeLessThan(5000);
        await eventually(() => log.includes('a stopped'));
        expect(a.isActive).toBe(false);
        expect(log).toEqual(['a active', 'a stopped', 'b active']);
        // a comes back as the standby.
        await eventually(() => a.isConnected);
        await sleep(600);
        expect([a.isActive, b.isActive]).toEqual([false, true]);
        expect([a.state, b.state]).toEqual(['standby', 'active']);
      });

      it('a holder that stops finishes its work before letting the lock go', async () => {
        const log: string[] = [];
        const a = competitor('a', db.url, log);
        const b = competitor('b', db.url, log);
        leases.push(b);
        a.start();
        await eventually(() => a.isActive);
        b.start();
        await eventually(() => b.isConnected);
        await a.stop();
        await eventually(() => b.isActive);
        expect(log).toEqual(['a active', 'a stopped', 'b active']);
      });

      it('a holder whose connection goes silent stops its work, and the other takes over once the server drops the session', async () => {
        const relay = await silenceableRelay(new URL(db.url));
        try {
          const log: string[] = [];
          const a = competitor('a', relay.url, log);
          const b = competitor('b', db.url, log);
          leases.push(a, b);
          a.start();
          await eventually(() => a.isActive);
          b.start();
          await eventually(() => b.isConnected);

          relay.silence();
          // The check gets no answer within 1 s: a stops although no socket closed.
          await eventually(() => log.includes('a stopped'), 5000);
          expect(a.isActive).toBe(false);
          // The server still holds a's session, so b must not run yet: never two at once.
          expect(b.isActive).toBe(false);
          relay.cutServerSide();
          await eventually(() => b.isActive, 5000);
          expect(log).toEqual(['a active', 'a stopped', 'b active']);
        } finally {
          await Promise.all(leases.splice(0).map((l) => l.stop()));
          await relay.close();
        }
      });
    });

    it('a process that cannot start the work (its configuration, say) lets the lock go to one that can', async () => {
      const log: string[] = [];
      let tries = 0;
      const broken = new RoleLease({
        role: 'bridge',
        connectionString: db.url,
        logger: pino({ level: 'silent' }),
        retryMs: 200,
        onAcquired: () => {
          tries += 1;
          throw new Error('KAFKA_SSL_CA_FILE cannot be read');
        },
        onLost: async () => undefined,
      });
      leases.push(broken);
      broken.start();
      await eventually(() => tries === 1);
      // It does not count itself active, and holds the lock no more.
      expect(broken.isActive).toBe(false);
      const healthy = competitor('healthy', db.url, log);
      leases.push(healthy);
      healthy.start();
      await eventually(() => healthy.isActive, 5000);
      expect(log).toEqual(['healthy active']);
      // Control: the broken one tried once in that time (it waits ten rounds before trying again).
      expect(tries).toBe(1);
    });

    it('each role has a lock of its own: the active projector does not hold back the bridge', async () => {
      const log: string[] = [];
      const projector = competitor('projector', db.url, log, 'projector');
      const bridge = competitor('bridge', db.url, log, 'bridge');
      leases.push(projector, bridge);
      projector.start();
      bridge.start();
      await eventually(() => projector.isActive && bridge.isActive);
      expect(new Set(Object.values(LEASE_LOCKS)).size).toBe(Object.keys(LEASE_LOCKS).length);
    });
  },
);
