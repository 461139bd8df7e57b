import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { inspection, published } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import type { EventStore } from '@hub/event-store';
import { SqliteCheckpointStore } from './checkpoints.js';
import { KafkaEgress } from './egress.js';
import { KafkaIngress } from './ingress.js';
import { collectMessages, eventually, testKafka } from './testing/index.js';
import { DEAD_LETTER_TOPIC, inboxTopic } from './topics.js';
import { ensureTopics } from './topology.js';
import { PersonalDataVault } from '@hub/personal-data';

const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });

const brokers = process.env.TEST_KAFKA_BROKERS;
// Consumers take a few seconds to leave their group on disconnect.
jest.setTimeout(60_000);
const logger = pino({ level: 'silent' });

const clue = (clueId: string) =>
  published('ClueTransferred', {
    clueId,
    origin: 'enforcement',
    toPoliceUnit: '310105',
    suspectedOffence: '刑法第二百八十条',
    suspects: 1,
    fakeCertificates: 2,
  });

/** Wraps a store so that the first append succeeds and then "crashes" before Kafka commits. */
function crashingOnceAfterAppend(store: EventStore): EventStore & { crashed: boolean } {
  const wrapper = Object.create(store) as EventStore & { crashed: boolean };
  wrapper.crashed = false;
  wrapper.appendMany = async (requests) => {
    const result = await store.appendMany(requests);
    if (!wrapper.crashed) {
      wrapper.crashed = true;
      throw new Error('simulated crash between append and offset commit');
    }
    return result;
  };
  return wrapper;
}

(brokers ? describe : describe.skip)(
  `Kafka bridge on a real broker${brokers ? '' : ` (skipped: ${process.env.TEST_KAFKA_SKIP ?? 'no broker'})`}`,
  () => {
    let dir: string;
    let kafka: Kafka;
    let store: SqliteEventStore;
    let producer: Producer;
    const running: Array<{ stop: () => Promise<void> }> = [];

    beforeAll(async () => {
      kafka = testKafka(brokers!);
      await ensureTopics(kafka);
      producer = kafka.producer();
      await producer.connect();
    }, 60_000);
    afterAll(async () => {
      await producer.disconnect();
    });
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'hub-bridge-'));
      store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    });
    afterEach(async () => {
      for (const r of running.splice(0)) await r.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const startIngress = async (s: EventStore = store) => {
      const ingress = new KafkaIngress({
        kafka,
        store: s,
        logger,
        sealing,
        groupId: `ingress-${Math.random()}`,
      });
      await ingress.start();
      running.push(ingress);
      return ingress;
    };
    const send = (agency: string, values: unknown[]) =>
      producer.send({
        topic: `hub.ingress.${agency}`,
        acks: -1,
        messages: values.map((v) => ({ value: typeof v === 'string' ? v : JSON.stringify(v) })),
      });
    const storedIds = async () => (await store.readAll({ maxCount: 100_000 })).map((e) => e.id);

    it('appends what an agency publishes on its topic, with the same validation as HTTP', async () => {
      await startIngress();
      const event = inspection(`K-${Math.random()}`);
      await send('emergency', [event]);
      await eventually(async () => (await storedIds()).includes(event.id));
      const [stored] = await store.readAll();
      expect(stored?.metadata).toMatchObject({ agency: 'emergency' });
    }, 60_000);

    it('dead-letters a poison message and another agency’s event with the reason, and goes on', async () => {
      const dead = await collectMessages(kafka, [DEAD_LETTER_TOPIC]);
      running.push(dead);
      await startIngress();
      const good = inspection(`K-${Math.random()}`);
      const marker = `poison-${Math.random()}`;
      await send('emergency', [
        `{not json ${marker}`,
        { ...clue('C-x'), type: 'CaseFiled', data: { caseId: marker, suspects: 1, offence: 'x' } },
        good,
      ]);
      await eventually(async () => (await storedIds()).includes(good.id));
      await eventually(
        () => dead.messages.filter((m) => m.value?.toString().includes(marker)).length === 2,
      );
      const reasons = dead.messages
        .filter((m) => m.value?.toString().includes(marker))
        .map((m) => m.headers?.['hub-reason']?.toString());
      // Unkeyed messages land on different partitions: the order between them is not fixed.
      expect([...reasons].sort()).toEqual([
        expect.stringMatching(/may not publish CaseFiled/),
        expect.stringMatching(/not valid JSON/),
      ]);
    }, 60_000);

    it('stores a duplicated delivery once', async () => {
      await startIngress();
      const event = inspection(`K-${Math.random()}`);
      await send('emergency', [event, event]);
      await send('emergency', [event]);
      const later = inspection(`K-${Math.random()}`);
      await send('emergency', [later]);
      await eventually(async () => (await storedIds()).includes(later.id));
      expect((await storedIds()).filter((id) => id === event.id)).toHaveLength(1);
    }, 60_000);

    it('re-delivers after a crash between append and offset commit, and the retry writes nothing twice', async () => {
      const crashing = crashingOnceAfterAppend(store);
      await startIngress(crashing);
      const event = inspection(`K-${Math.random()}`);
      await send('emergency', [event]);
      await eventually(async () => crashing.crashed && (await storedIds()).includes(event.id));
      const after = inspection(`K-${Math.random()}`);
      await send('emergency', [after]);
      await eventually(async () => (await storedIds()).includes(after.id));
      expect((await storedIds()).filter((id) => id === event.id)).toHaveLength(1);
    }, 60_000);

    it('relays addressed events to the inbox keyed by stream, and resumes from its checkpoint after a restart', async () => {
      const inbox = await collectMessages(kafka, [inboxTopic('police')]);
      running.push(inbox);
      const checkpoints = new SqliteCheckpointStore(join(dir, 'hub.db'));
      const clueId = `C-${Math.random()}`;
      const before = clue(clueId);
      await store.append(`clue-${clueId}`, [
        {
          id: before.id,
          type: before.type,
          data: before.data,
          metadata: { agency: 'emergency', correlationId: before.id },
        },
      ]);
      let egress = new KafkaEgress({ kafka, store, checkpoints, logger });
      await egress.start();
      await eventually(() =>
        inbox.messages.some((m) => m.headers?.['hub-event-id']?.toString() === before.id),
      );
      await egress.stop();

      const whileDown = clue(`${clueId}-2`);
      await store.append(`clue-${clueId}-2`, [
        {
          id: whileDown.id,
          type: whileDown.type,
          data: whileDown.data,
          metadata: { agency: 'emergency', correlationId: whileDown.id },
        },
      ]);
      egress = new KafkaEgress({ kafka, store, checkpoints, logger });
      await egress.start();
      running.push(egress);
      await eventually(() =>
        inbox.messages.some((m) => m.headers?.['hub-event-id']?.toString() === whileDown.id),
      );
      const relayed = inbox.messages.find(
        (m) => m.headers?.['hub-event-id']?.toString() === before.id,
      )!;
      expect(relayed.key?.toString()).toBe(`clue-${clueId}`);
      expect(
        inbox.messages.filter((m) => m.headers?.['hub-event-id']?.toString() === before.id),
      ).toHaveLength(1);
      await checkpoints.close();
    }, 60_000);

    it('sends nothing to an agency that is not addressed', async () => {
      const procuratorate = await collectMessages(kafka, [inboxTopic('court')]);
      running.push(procuratorate);
      const checkpoints = new SqliteCheckpointStore(join(dir, 'hub.db'));
      const event = inspection(`K-${Math.random()}`);
      await store.append('inspection-x', [
        { id: event.id, type: event.type, data: event.data, metadata: { agency: 'emergency' } },
      ]);
      const egress = new KafkaEgress({ kafka, store, checkpoints, logger });
      await egress.start();
      running.push(egress, { stop: () => checkpoints.close() });
      await new Promise((r) => setTimeout(r, 1500));
      expect(
        procuratorate.messages.filter((m) => m.headers?.['hub-event-id']?.toString() === event.id),
      ).toHaveLength(0);
    }, 60_000);
  },
);
