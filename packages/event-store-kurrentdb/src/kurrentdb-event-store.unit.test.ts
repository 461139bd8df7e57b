import {
  MaxAppendSizeExceededError,
  TransactionMaxSizeExceededError,
  UnavailableError,
} from '@kurrent/kurrentdb-client';
import { status } from '@grpc/grpc-js';
import {
  AppendTooLargeError,
  UnreadableEventError,
  type NewEvent,
  type RecordedEvent,
} from '@hub/event-store';
import { KurrentDbEventStore } from './kurrentdb-event-store.js';
import { fromGlobalPosition } from './positions.js';
import { FakeKurrentClient, serviceError } from './testing/fake-kurrent-client.js';

const event = (id: string, data: unknown = { n: id }): NewEvent => ({
  id,
  type: 'Tested',
  data,
  metadata: { agency: 'police', correlationId: `c-${id}` },
});

function storeOn(client: FakeKurrentClient, extra: { logger?: { warn: jest.Mock } } = {}) {
  return new KurrentDbEventStore({
    connectionString: 'kurrentdb://fake:2113?tls=false',
    client,
    reconnectDelayMs: 20,
    ...extra,
  });
}

describe('KurrentDB adapter against a fake of the client', () => {
  describe('positions', () => {
    it('answers an append with the position its last event is read back with, not (commit, commit)', async () => {
      const client = new FakeKurrentClient();
      const store = storeOn(client);
      const [result] = await store.appendMany([
        { stream: 'case-1', events: [event('e1'), event('e2')] },
      ]);
      const readBack = await store.readStream('case-1');
      const all = await store.readAll();
      expect(result!.position).toBe(readBack[1]!.position);
      expect(all.find((e) => e.id === 'e2')!.position).toBe(result!.position);
      // The defect this guards against: the server's answer is the commit position only.
      const { commit, prepare } = fromGlobalPosition(result!.position);
      expect(prepare).toBeLessThan(commit);
    });

    it('answers a retry of the same append with the same position, marked as a duplicate', async () => {
      const client = new FakeKurrentClient();
      const store = storeOn(client);
      const first = await store.append('case-2', [event('r1')]);
      await store.append('case-other', [event('x1')]);
      const retry = await store.append('case-2', [event('r1')]);
      expect(retry).toEqual({ ...first, duplicate: true });
      expect(first.duplicate).toBe(false);
    });

    it('lets a subscription resume from a position an append answered without skipping or repeating', async () => {
      const client = new FakeKurrentClient();
      const store = storeOn(client);
      const first = await store.append('case-3', [event('s1')]);
      await store.append('case-3', [event('s2'), event('s3')]);
      const seen: string[] = [];
      const sub = store.subscribeToAll((e) => void seen.push(e.id), { after: first.position });
      await waitFor(() => seen.length >= 2);
      await sub.stop();
      expect(seen).toEqual(['s2', 's3']);
    });
  });

  describe('metadata that is not the JSON object the adapter wrote', () => {
    async function storeWithForeignEvent(metadata: unknown) {
      const client = new FakeKurrentClient();
      const store = storeOn(client);
      await store.append('case-4', [event('ok')]);
      client.log.push({
        ...client.log.find((r) => r.id === 'ok')!,
        id: 'odd',
        revision: 1n,
        metadata,
        position: { commit: 99_999n, prepare: 99_998n },
      });
      return { store, client };
    }

    it('reads the adapter’s own metadata back intact (positive control)', async () => {
      const { store } = await storeWithForeignEvent({ hub: JSON.stringify({ agency: 'court' }) });
      const events = await store.readStream('case-4');
      expect(events.map((e) => e.metadata)).toEqual([
        { agency: 'police', correlationId: 'c-ok' },
        { agency: 'court' },
      ]);
    });

    it.each([
      ['no metadata at all', undefined, /metadata is not a JSON object/],
      ['a JSON array', ['hub'], /metadata is not a JSON object/],
      ['raw bytes that are not JSON', new Uint8Array([1, 2, 3]), /metadata is not a JSON object/],
      ['an object without "hub"', { other: 'x' }, /no "hub" field/],
      ['"hub" that is not JSON', { hub: '{oops' }, /not valid JSON/],
      [
        '"hub" that is JSON but not an object',
        { hub: '[1,2]' },
        /"hub" metadata is not a JSON object/,
      ],
    ])(
      'refuses %s with EVENT_UNREADABLE naming the stream, instead of reading it as {}',
      async (_, metadata, reason) => {
        const { store } = await storeWithForeignEvent(metadata);
        const read = store.readStream('case-4');
        await expect(read).rejects.toBeInstanceOf(UnreadableEventError);
        await expect(read).rejects.toMatchObject({ code: 'EVENT_UNREADABLE', stream: 'case-4' });
        await expect(read).rejects.toThrow(reason);
      },
    );

    it('ends a subscription that meets one with onError, and does not reconnect to meet it again', async () => {
      const { store, client } = await storeWithForeignEvent([]);
      const errors: unknown[] = [];
      const seen: RecordedEvent[] = [];
      const sub = store.subscribeToAll((e) => void seen.push(e), {
        onError: (e) => errors.push(e),
      });
      await waitFor(() => errors.length > 0);
      await sub.stop();
      expect(seen.map((e) => e.id)).toEqual(['ok']);
      expect(errors[0]).toBeInstanceOf(UnreadableEventError);
      expect(client.subscriptionsOpened).toBe(1);
    });
  });

  describe('server transaction-size limits', () => {
    it('answers TransactionMaxSizeExceeded as APPEND_TOO_LARGE (413), nothing written', async () => {
      const client = new FakeKurrentClient();
      const store = storeOn(client);
      client.failNextAppend = new TransactionMaxSizeExceededError(serviceError('too big'), {
        size: 5_000_000,
        maxSize: 4_194_304,
      });
      const append = store.append('case-5', [event('big')]);
      await expect(append).rejects.toBeInstanceOf(AppendTooLargeError);
      await expect(append).rejects.toMatchObject({
        code: 'APPEND_TOO_LARGE',
        bytes: 5_000_000,
        limit: 4_194_304,
      });
      expect(await store.readStream('case-5')).toEqual([]);
      // Positive control: the same append goes in once the server takes it.
      await expect(store.append('case-5', [event('big')])).resolves.toMatchObject({
        duplicate: false,
      });
    });

    it('answers MaxAppendSizeExceeded as APPEND_TOO_LARGE too', async () => {
      const client = new FakeKurrentClient();
      const store = storeOn(client);
      client.failNextAppend = new MaxAppendSizeExceededError(undefined, 1_048_576);
      await expect(store.append('case-6', [event('big')])).rejects.toMatchObject({
        code: 'APPEND_TOO_LARGE',
        limit: 1_048_576,
      });
    });

    it('passes other failures through unchanged (they are not size limits)', async () => {
      const client = new FakeKurrentClient();
      const store = storeOn(client);
      const down = new UnavailableError(serviceError('down', status.UNAVAILABLE));
      client.failNextAppend = down;
      await expect(store.append('case-7', [event('e')])).rejects.toBe(down);
    });
  });

  describe('a subscription the server ends without an error', () => {
    it('reconnects after a pause that doubles, says so in the log, and delivers each event once', async () => {
      const client = new FakeKurrentClient();
      const warn = jest.fn();
      const store = storeOn(client, { logger: { warn } });
      await store.append('case-8', [event('a1'), event('a2')]);
      const seen: string[] = [];
      const sub = store.subscribeToAll((e) => void seen.push(e.id));
      // Three ends with nothing new delivered (not a fixed wait: a loaded machine runs timers late,
      // and a3 delivered early would reset the pause before the third).
      await waitFor(() => warn.mock.calls.length >= 3, 5000);
      await store.append('case-8', [event('a3')]);
      await waitFor(() => seen.length >= 3, 2000);
      await new Promise((r) => setTimeout(r, 200));
      await sub.stop();
      const opened = client.subscriptionsOpened;
      expect(seen).toEqual(['a1', 'a2', 'a3']);
      // 20, 40, 80, 160 … ms apart (reset to 20 ms after a3 was delivered): a handful of
      // reconnects in ~0.4 s, where the old loop reconnected as fast as the client answered.
      expect(opened).toBeGreaterThanOrEqual(3);
      expect(opened).toBeLessThanOrEqual(12);
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ ended: true, reconnectInMs: 20 }),
        'event store subscription ended by the server; reconnecting',
      );
      const delays = warn.mock.calls.map(([d]: [{ reconnectInMs: number }]) => d.reconnectInMs);
      expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    });

    it('stops promptly during a pause', async () => {
      const client = new FakeKurrentClient();
      const store = new KurrentDbEventStore({
        connectionString: 'kurrentdb://fake:2113?tls=false',
        client,
        reconnectDelayMs: 10_000,
      });
      const sub = store.subscribeToAll(() => undefined);
      await new Promise((r) => setTimeout(r, 30));
      const started = Date.now();
      await sub.stop();
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });

  describe('readiness', () => {
    it('answers for a user who may not read $all (only admins may, by default)', async () => {
      const client = new FakeKurrentClient();
      client.allReadsNeedAdmin = true;
      const store = storeOn(client);
      await expect(store.checkReachable()).resolves.toBeUndefined();
      // What the hub checked before: a read of $all, refused to such a user.
      await expect(store.headPosition()).rejects.toThrow(/access denied/);
    });

    it('fails when the server does not answer', async () => {
      const client = new FakeKurrentClient();
      client.unreachable = new UnavailableError(
        serviceError('connect ECONNREFUSED', status.UNAVAILABLE),
      );
      await expect(storeOn(client).checkReachable()).rejects.toThrow(/ECONNREFUSED/);
    });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
