import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { inspection, published } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import {
  ensureTopics,
  KafkaEgress,
  PlatformaticKafka,
  SqliteCheckpointStore,
} from '@hub/kafka-bridge';
import { collectMessages, eventually, testKafka } from '@hub/kafka-bridge/testing';
import {
  startBridgeProcess,
  startHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { launchBroker, javaAvailable } = require('../support/kafka-broker.cjs') as {
  launchBroker: () => Promise<{
    brokers: string;
    version: string;
    start: () => Promise<void>;
    stop: () => Promise<void>;
    destroy: () => Promise<void>;
  }>;
  javaAvailable: () => boolean;
};

jest.setTimeout(400_000);

const TRANSFER = {
  clueId: 'CLUE-BRIDGE-1',
  origin: 'enforcement',
  toPoliceUnit: '310105',
  suspectedOffence: '伪造、变造、买卖国家机关证件罪',
  suspects: 1,
  fakeCertificates: 3,
};
const canRun = Boolean(process.env.TEST_KAFKA_BROKERS) && javaAvailable();

async function storedIds(dataDir: string): Promise<string[]> {
  const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  try {
    return (await store.readAll({ maxCount: 1_000_000 })).map((e) => e.id);
  } finally {
    await store.close();
  }
}

(canRun ? describe : describe.skip)(
  `hub with the Kafka bridge under faults${canRun ? '' : ' (skipped: no Java to run a broker of its own)'}`,
  () => {
    let broker: Awaited<ReturnType<typeof launchBroker>>;
    let dataDir: string;
    let hub: HubProcess | undefined;

    beforeEach(async () => {
      broker = await launchBroker();
      dataDir = tempDataDir();
    });
    afterEach(async () => {
      hub?.child.kill('SIGKILL');
      hub = undefined;
      await broker.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('loses no acknowledged event when the broker stops and restarts mid-stream, and recovers without a hub restart', async () => {
      hub = await startHubProcess({
        HUB_DATA_DIR: dataDir,
        KAFKA_BROKERS: broker.brokers,
        LOG_LEVEL: 'info',
      });
      const kafka = testKafka(broker.brokers);
      const producer = await kafka.producer();
      const first = Array.from({ length: 50 }, (_, i) => inspection(`B1-${i}`));
      await producer.send(
        first.map((e) => ({ topic: 'hub.ingress.emergency', value: JSON.stringify(e) })),
      );
      await producer.close();

      await broker.stop();
      await new Promise((r) => setTimeout(r, 3000));
      await broker.start();

      const again = await testKafka(broker.brokers).producer();
      const second = Array.from({ length: 50 }, (_, i) => inspection(`B2-${i}`));
      await again.send(
        second.map((e) => ({ topic: 'hub.ingress.emergency', value: JSON.stringify(e) })),
      );
      await again.close();

      const wanted = [...first, ...second].map((e) => e.id);
      let output = '';
      hub.child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      hub.child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      try {
        await eventually(async () => {
          const ids = new Set(await storedIds(dataDir));
          return wanted.every((id) => ids.has(id));
        }, 300_000);
      } catch (error) {
        const stored = new Set(await storedIds(dataDir));
        throw new Error(
          `${wanted.filter((id) => !stored.has(id)).length} of ${wanted.length} events missing; hub said:\n${output.slice(-4000)}`,
          { cause: error },
        );
      }
      const ids = await storedIds(dataDir);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('stores every message exactly once when the hub is killed in the middle of a batch and restarted', async () => {
      hub = await startHubProcess({ HUB_DATA_DIR: dataDir, KAFKA_BROKERS: broker.brokers });
      const producer = await testKafka(broker.brokers).producer();
      const events = Array.from({ length: 2000 }, (_, i) => inspection(`K-${i}`));
      const sending = producer.send(
        events.map((e) => ({ topic: 'hub.ingress.emergency', value: JSON.stringify(e) })),
      );
      await new Promise((r) => setTimeout(r, 300));
      hub.child.kill('SIGKILL');
      await sending;
      await producer.close();

      hub = await startHubProcess({ HUB_DATA_DIR: dataDir, KAFKA_BROKERS: broker.brokers });
      await eventually(async () => (await storedIds(dataDir)).length >= events.length, 120_000);
      const ids = await storedIds(dataDir);
      expect(ids).toHaveLength(events.length);
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    });

    it('relays every addressed event after the broker stops during egress: no batch skipped past a failed send', async () => {
      // Sends give up after a few seconds here (the hub retries for minutes), so the egress
      // meets failed sends while the broker is away, and successful ones as soon as it is back.
      const kafka = new PlatformaticKafka({
        clientId: 'egress-under-faults',
        brokers: [broker.brokers],
        retries: 6,
        retryDelayMs: 300,
        sendTimeoutMs: 5000,
      });
      await ensureTopics(kafka);
      const warnings: string[] = [];
      const logger = pino(
        { level: 'warn' },
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            warnings.push(chunk.toString());
            done();
          },
        }),
      );
      const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
      const checkpoints = new SqliteCheckpointStore(join(dataDir, 'hub.db'));
      const egress = new KafkaEgress({ kafka, store, checkpoints, logger });
      const addressed: string[] = [];
      let appending = true;
      // Addressed events keep arriving all along, as they do in a running hub.
      const appender = (async () => {
        for (let i = 0; appending; i++) {
          const transfer = published('ClueTransferred', { ...TRANSFER, clueId: `CLUE-F-${i}` });
          await store.append(`clue-CLUE-F-${i}`, [
            {
              id: transfer.id,
              type: transfer.type,
              data: transfer.data,
              metadata: { agency: 'emergency', correlationId: transfer.id },
            },
          ]);
          addressed.push(transfer.id);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      try {
        await egress.start();
        await eventually(() => addressed.length >= 10);
        await broker.stop();
        await eventually(() => warnings.length > 0, 120_000);
        await broker.start();
        await new Promise((r) => setTimeout(r, 2000));
        appending = false;
        await appender;

        const inbox = await collectMessages(testKafka(broker.brokers), ['hub.inbox.police']);
        const relayed = () =>
          new Set(inbox.messages.map((m) => m.headers?.['hub-event-id']?.toString()));
        try {
          await eventually(() => addressed.every((id) => relayed().has(id)), 120_000);
        } catch (error) {
          const missing = addressed.filter((id) => !relayed().has(id));
          throw new Error(
            `${missing.length} of ${addressed.length} addressed events never reached the inbox`,
            { cause: error },
          );
        } finally {
          await inbox.stop();
        }
        // At least once: duplicates may come, but every addressed event counts exactly once.
        expect(relayed().size).toBe(addressed.length);
      } finally {
        appending = false;
        await appender;
        await egress.stop();
        await checkpoints.close();
        await store.close();
      }
    });

    it('runs as a bridge-only process (`hub bridge`) beside the store: agency topic in, addressee inbox out', async () => {
      hub = await startBridgeProcess({ HUB_DATA_DIR: dataDir, KAFKA_BROKERS: broker.brokers });
      const kafka = testKafka(broker.brokers);
      // The bridge creates its topics once it is up; subscribing earlier would fail.
      await eventually(
        async () => (await kafka.endOffsets('hub.inbox.police').catch(() => new Map())).size > 0,
        60_000,
      );
      const inbox = await collectMessages(kafka, ['hub.inbox.police']);
      const producer = await kafka.producer();
      const transfer = published('ClueTransferred', TRANSFER, { reportingUnit: '310105' });
      await producer.send([{ topic: 'hub.ingress.emergency', value: JSON.stringify(transfer) }]);
      await producer.close();
      try {
        await eventually(() => inbox.messages.length > 0, 120_000);
        expect(inbox.messages[0]!.headers?.['hub-event-id']?.toString()).toBe(transfer.id);
        expect(await storedIds(dataDir)).toEqual([transfer.id]);
      } finally {
        await inbox.stop();
      }
    });
  },
);
