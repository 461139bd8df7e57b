/**
 * Two Kafka bridge processes on one PostgreSQL (server mode), as on two machines: one relays,
 * the other stands by. Every addressed event reaches its inbox topic once while both run; the
 * active one is killed with kill -9, the standby takes over within seconds, and what is
 * appended after that reaches the inbox too, nothing twice (counted by event id).
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { published } from '@hub/domain/testing';
import { createTestDatabase, PostgresEventStore } from '@hub/event-store-postgres';
import { collectMessages, eventually, testKafka } from '@hub/kafka-bridge/testing';
import {
  serverKeys,
  startHubProcess,
  startLeasedBridgeProcess,
  stopHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(240_000);

const adminUrl = process.env.TEST_POSTGRES_URL;
const brokers = process.env.TEST_KAFKA_BROKERS;
const skip = !adminUrl
  ? process.env.TEST_POSTGRES_SKIP
  : !brokers
    ? process.env.TEST_KAFKA_SKIP
    : undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many times each id was seen, and the ids seen more than once. */
function countById(ids: Array<string | undefined>): {
  counts: Map<string, number>;
  duplicates: string[];
} {
  const counts = new Map<string, number>();
  for (const id of ids) if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  return { counts, duplicates: [...counts].filter(([, n]) => n > 1).map(([id]) => id) };
}

interface Health {
  active?: boolean;
  lease?: 'active' | 'standby' | 'electing';
}

async function health(p: HubProcess): Promise<Health | undefined> {
  try {
    return (await (await fetch(`${p.url}/healthz`)).json()) as Health;
  } catch {
    return undefined;
  }
}

describe('counting inbox messages by event id (the check the takeover test relies on)', () => {
  it('finds the id relayed twice in a list with one duplicated, and none in the same list without it', () => {
    const ids = ['e1', 'e2', 'e3'];
    expect(countById([...ids, 'e2']).duplicates).toEqual(['e2']);
    expect(countById(ids).duplicates).toEqual([]);
  });
});

(skip ? describe.skip : describe)(
  `one active Kafka bridge per database${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let store: PostgresEventStore;
    let admin: pg.Client;
    const dirs: string[] = [];
    const bridges: HubProcess[] = [];
    beforeAll(async () => {
      db = await createTestDatabase(adminUrl!, 'hub_bridge_lease');
      store = new PostgresEventStore({ connectionString: db.url });
      admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
    });
    afterAll(async () => {
      for (const b of bridges) b.child.kill('SIGKILL');
      await admin?.end();
      await store?.close();
      await db?.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    /** Appends addressed events (clue transfers to the police), one stream each; their ids. */
    async function appendTransfers(prefix: string, count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const clueId = `CLUE-${prefix}-${i}`;
        const transfer = published('ClueTransferred', {
          clueId,
          origin: 'enforcement',
          toPoliceUnit: '310105',
          suspectedOffence: '伪造、变造、买卖国家机关证件罪',
          suspects: 1,
          fakeCertificates: 2,
        });
        await store.append(`clue-${clueId}`, [
          {
            id: transfer.id,
            type: transfer.type,
            data: transfer.data,
            metadata: { agency: 'emergency', correlationId: transfer.id },
          },
        ]);
        ids.push(transfer.id);
      }
      return ids;
    }

    /** The egress checkpoint has reached the head of the log: nothing is left to relay again. */
    async function checkpointAtHead(): Promise<boolean> {
      const { rows } = await admin.query<{ at_head: boolean }>(
        `SELECT (SELECT position::bigint FROM hub_bridge_checkpoints WHERE name = 'kafka-egress')
                  >= (SELECT position FROM event_log_tail) AS at_head`,
      );
      return rows[0]?.at_head === true;
    }

    const keys = serverKeys();
    const envOf = () => {
      const dir = tempDataDir();
      dirs.push(dir);
      return {
        // A data directory each: two machines, nothing shared but PostgreSQL and Kafka.
        HUB_DATA_DIR: dir,
        EVENT_STORE: 'postgres',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: brokers!,
        SCREENING_THREADS: '0',
        ...keys,
      };
    };

    it('relays each event once with two bridges running; after kill -9 of the active one the standby takes over and relays what follows, nothing twice', async () => {
      bridges.push(await startLeasedBridgeProcess(envOf()));
      bridges.push(await startLeasedBridgeProcess(envOf(), true));

      let states: Array<Health | undefined> = [];
      // Until both have asked for the lock (a process answers before its first try), one may
      // still be electing; never may both be active.
      await eventually(async () => {
        states = await Promise.all(bridges.map(health));
        expect(states.filter((s) => s?.active)).not.toHaveLength(2);
        return states.every((s) => s?.lease !== undefined && s.lease !== 'electing');
      }, 30_000);
      const activeIndex = states.findIndex((s) => s?.active);
      const active = bridges[activeIndex]!;
      const standby = bridges[1 - activeIndex]!;
      // Both answer and are ready; one is active, the other stands by.
      expect(states.map((s) => s?.lease).sort()).toEqual(['active', 'standby']);
      for (const b of bridges) expect((await fetch(`${b.url}/readyz`)).status).toBe(200);

      const kafka = testKafka(brokers!);
      // The active bridge creates the topics; subscribing earlier would fail.
      await eventually(
        async () => (await kafka.endOffsets('hub.inbox.police').catch(() => new Map())).size > 0,
        60_000,
      );
      const inbox = await collectMessages(kafka, ['hub.inbox.police']);
      const seen = () =>
        countById(inbox.messages.map((m) => m.headers?.['hub-event-id']?.toString()));
      try {
        const before: string[] = [];
        for (let round = 0; round < 3; round++) {
          before.push(...(await appendTransfers(`BEFORE-${round}`, 10)));
          await sleep(300);
        }
        await eventually(() => before.every((id) => seen().counts.has(id)), 60_000);
        await eventually(checkpointAtHead, 30_000);
        // Time for a second bridge, were it relaying too, to send its copies.
        await sleep(3000);
        expect(before.map((id) => seen().counts.get(id))).toEqual(before.map(() => 1));
        // The standby stood by all along.
        expect((await health(standby))?.active).toBe(false);

        active.child.kill('SIGKILL');
        const killedAt = Date.now();
        await eventually(async () => (await health(standby))?.active === true, 15_000);
        const takeoverMs = Date.now() - killedAt;
        expect(takeoverMs).toBeLessThan(15_000);

        const after = await appendTransfers('AFTER', 30);
        await eventually(() => after.every((id) => seen().counts.has(id)), 90_000);
        await eventually(checkpointAtHead, 30_000);
        await sleep(3000);
        const ours = new Set([...before, ...after]);
        const { counts, duplicates } = seen();
        expect(duplicates.filter((id) => ours.has(id))).toEqual([]);
        expect([...ours].map((id) => counts.get(id))).toEqual([...ours].map(() => 1));
        process.stdout.write(`bridge takeover after kill -9: ${takeoverMs} ms\n`);
      } finally {
        await inbox.stop();
      }
    });

    it('a hub start (role all) with DATABASE_URL and KAFKA_BROKERS stands by beside the active bridge, and takes over when it is killed', async () => {
      // A bridge of its own (the first case's survivor, if any, is let go), so that this case
      // stands whatever became of the first one.
      // SIGTERM: a bridge that stops leaves its consumer group at once, so the new one is not
      // kept waiting for a dead member's session to time out.
      for (const b of bridges.splice(0)) await stopHubProcess(b);
      const bridge = await startLeasedBridgeProcess(envOf());
      bridges.push(bridge);
      await eventually(async () => (await health(bridge))?.active === true, 30_000);
      const hub = await startHubProcess({ ...envOf(), LOG_LEVEL: 'info' });
      bridges.push(hub);
      // From the first line: the lease may say where it stands while the hub starts.
      const leaseLines = () =>
        hub
          .output()
          .split('\n')
          .filter((l) => l.includes('"leaseRole":"bridge"') && l.includes('"lease"'))
          .map((l) => (JSON.parse(l) as { lease: string }).lease);

      const inbox = await collectMessages(testKafka(brokers!), ['hub.inbox.police']);
      const seen = () =>
        countById(inbox.messages.map((m) => m.headers?.['hub-event-id']?.toString()));
      try {
        await eventually(() => leaseLines().includes('standby'), 30_000);
        const beside = await appendTransfers('BESIDE-HUB', 20);
        await eventually(() => beside.every((id) => seen().counts.has(id)), 60_000);
        await eventually(checkpointAtHead, 30_000);
        await sleep(3000);
        expect(beside.map((id) => seen().counts.get(id))).toEqual(beside.map(() => 1));
        expect(leaseLines()).toEqual(['standby']);

        bridge.child.kill('SIGKILL');
        await eventually(() => leaseLines().includes('active'), 15_000);
        const after = await appendTransfers('AFTER-HUB', 20);
        await eventually(() => after.every((id) => seen().counts.has(id)), 90_000);
        await eventually(checkpointAtHead, 30_000);
        await sleep(3000);
        expect(after.map((id) => seen().counts.get(id))).toEqual(after.map(() => 1));
        expect(leaseLines()).toEqual(['standby', 'active']);
      } finally {
        await inbox.stop();
      }
    });
  },
);
