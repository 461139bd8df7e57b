import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { inspection } from '@hub/domain/testing';
import {
  EventStoreUnavailableError,
  EventTooLargeError,
  type AppendRequest,
  type EventStore,
} from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault } from '@hub/personal-data';
import type {
  ConsumeOptions,
  ConsumedMessage,
  KafkaPort,
  ProducedMessage,
} from './client/kafka-port.js';
import { KafkaIngress } from './ingress.js';

/** A Kafka port in memory: what the ingress consumes is handed in by the test, what it sends is kept. */
function memoryKafka() {
  const sent: ProducedMessage[] = [];
  let consumer: ConsumeOptions | undefined;
  const port: KafkaPort = {
    ensureTopics: async () => undefined,
    producer: async () => ({
      send: async (messages) => void sent.push(...messages),
      close: async () => undefined,
    }),
    consume: async (options) => {
      consumer = options;
      return { close: async () => undefined };
    },
    committedOffsets: async () => new Map(),
    endOffsets: async () => new Map(),
  };
  return {
    port,
    sent,
    read: (batch: ConsumedMessage[]) =>
      consumer!.onBatches([{ topic: 'hub.ingress.emergency', partition: 0, messages: batch }]),
  };
}

const message = (value: unknown, offset: number): ConsumedMessage => ({
  key: null,
  value: Buffer.from(JSON.stringify(value)),
  offset: String(offset),
  headers: {},
});

describe('Kafka ingress, when the store refuses an append', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-ingress-'));
    store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store, refusing with `refusal` every append that holds the event `id`. */
  const refusing = (id: string, refusal: () => Error): EventStore => ({
    append: (...a) => store.append(...a),
    readStream: (...a) => store.readStream(...a),
    readAll: (o) => store.readAll(o),
    subscribeToAll: (...a) => store.subscribeToAll(...a),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
    appendMany: async (requests: readonly AppendRequest[]) => {
      if (requests.some((r) => r.events.some((e) => e.id === id))) throw refusal();
      return store.appendMany(requests);
    },
  });

  async function ingress(target: EventStore) {
    const kafka = memoryKafka();
    const bridge = new KafkaIngress({
      kafka: kafka.port,
      store: target,
      logger: pino({ level: 'silent' }),
      sealing: new PersonalDataVault({ id: 'k1', secret: randomBytes(32) }),
    });
    await bridge.start();
    return kafka;
  }

  it('dead-letters a message the store will never take, and appends the rest of the read', async () => {
    const [a, big, b] = [inspection('INS-A'), inspection('INS-BIG'), inspection('INS-B')];
    const kafka = await ingress(
      refusing(big.id, () => new EventTooLargeError(big.id, 2_000_000, 1_048_576)),
    );
    await kafka.read([message(a, 0), message(big, 1), message(b, 2)]);
    expect((await store.readAll()).map((e) => e.id)).toEqual([a.id, b.id]);
    expect(kafka.sent).toEqual([
      expect.objectContaining({
        topic: 'hub.ingress.dead-letter',
        headers: expect.objectContaining({
          'hub-source-topic': 'hub.ingress.emergency',
          'hub-source-partition': '0',
          'hub-source-offset': '1',
          'hub-reason': expect.stringContaining(big.id),
        }),
      }),
    ]);
  });

  it('reads the same messages again when the store is only unavailable (the control)', async () => {
    const a = inspection('INS-A');
    const kafka = await ingress(refusing(a.id, () => new EventStoreUnavailableError('store down')));
    await expect(kafka.read([message(a, 0)])).rejects.toThrow('store down');
    expect(kafka.sent).toEqual([]);
    expect(await store.readAll()).toEqual([]);
  });
});
