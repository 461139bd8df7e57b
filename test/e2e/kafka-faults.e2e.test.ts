import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { inspection, published } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
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
      const producer = kafka.producer();
      await producer.connect();
      const first = Array.from({ length: 50 }, (_, i) => inspection(`B1-${i}`));
      await producer.send({
        topic: 'hub.ingress.emergency',
        acks: -1,
        messages: first.map((e) => ({ value: JSON.stringify(e) })),
      });
      await producer.disconnect();

      await broker.stop();
      await new Promise((r) => setTimeout(r, 3000));
      await broker.start();

      const again = testKafka(broker.brokers).producer();
      await again.connect();
      const second = Array.from({ length: 50 }, (_, i) => inspection(`B2-${i}`));
      await again.send({
        topic: 'hub.ingress.emergency',
        acks: -1,
        messages: second.map((e) => ({ value: JSON.stringify(e) })),
      });
      await again.disconnect();

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
      const producer = testKafka(broker.brokers).producer();
      await producer.connect();
      const events = Array.from({ length: 2000 }, (_, i) => inspection(`K-${i}`));
      const sending = producer.send({
        topic: 'hub.ingress.emergency',
        acks: -1,
        messages: events.map((e) => ({ value: JSON.stringify(e) })),
      });
      await new Promise((r) => setTimeout(r, 300));
      hub.child.kill('SIGKILL');
      await sending;
      await producer.disconnect();

      hub = await startHubProcess({ HUB_DATA_DIR: dataDir, KAFKA_BROKERS: broker.brokers });
      await eventually(async () => (await storedIds(dataDir)).length >= events.length, 120_000);
      const ids = await storedIds(dataDir);
      expect(ids).toHaveLength(events.length);
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    });

    it('runs as a bridge-only process (`hub bridge`) beside the store: agency topic in, addressee inbox out', async () => {
      hub = await startBridgeProcess({ HUB_DATA_DIR: dataDir, KAFKA_BROKERS: broker.brokers });
      const kafka = testKafka(broker.brokers);
      const admin = kafka.admin();
      await admin.connect();
      // The bridge creates its topics once it is up; subscribing earlier would fail.
      await eventually(async () => (await admin.listTopics()).includes('hub.inbox.police'), 60_000);
      await admin.disconnect();
      const inbox = await collectMessages(kafka, ['hub.inbox.police']);
      const producer = kafka.producer();
      await producer.connect();
      const transfer = published('ClueTransferred', TRANSFER, { reportingUnit: '310105' });
      await producer.send({
        topic: 'hub.ingress.emergency',
        acks: -1,
        messages: [{ value: JSON.stringify(transfer) }],
      });
      await producer.disconnect();
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
