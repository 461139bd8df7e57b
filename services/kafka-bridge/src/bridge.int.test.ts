import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { inspection, published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import type { EventStore } from '@hub/event-store';
import { SqliteCheckpointStore } from './checkpoints.js';
import type { KafkaPort, KafkaProducerPort } from './client/kafka-port.js';
import { KafkaEgress } from './egress.js';
import { KafkaIngress } from './ingress.js';
import { collectMessages, eventually, testKafka } from './testing/index.js';
import { DEAD_LETTER_TOPIC, inboxTopic } from './topics.js';
import { ensureTopics } from './topology.js';
import { PersonalDataVault } from '@hub/personal-data';
import { memoryAuditTrail } from '@hub/audit';
import { inboxOpener } from '@hub/certificates';
import { publishAsAgencies } from '@hub/ingestion';

const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });

/** The suite runs whole on each Kafka line the bridge supports (about 10 s each). */
const LINES = [
  {
    name: `Kafka ${process.env.TEST_KAFKA_VERSION ?? '4.x'}`,
    brokers: process.env.TEST_KAFKA_BROKERS,
    skip: process.env.TEST_KAFKA_SKIP,
  },
  {
    name: `Kafka ${process.env.TEST_KAFKA3_VERSION ?? '3.9'}`,
    brokers: process.env.TEST_KAFKA3_BROKERS,
    skip: process.env.TEST_KAFKA3_SKIP,
  },
];
// Consumers take a few seconds to leave their group on disconnect.
jest.setTimeout(60_000);
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

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

/**
 * The same client, except that the egress producer's next send fails while `failNext` is set,
 * as a send does when the broker stays away longer than the producer retries.
 */
function failingSends(kafka: KafkaPort) {
  const control = { failNext: false, failures: 0 };
  const faulty: KafkaPort = {
    ensureTopics: (topics, spec) => kafka.ensureTopics(topics, spec),
    consume: (options) => kafka.consume(options),
    committedOffsets: (groupId, topic) => kafka.committedOffsets(groupId, topic),
    endOffsets: (topic) => kafka.endOffsets(topic),
    producer: async (): Promise<KafkaProducerPort> => {
      const producer = await kafka.producer();
      return {
        send: async (messages) => {
          if (control.failNext) {
            control.failNext = false;
            control.failures += 1;
            throw new Error('simulated send failure');
          }
          return producer.send(messages);
        },
        close: () => producer.close(),
      };
    },
  };
  return { kafka: faulty, control };
}

for (const { name, brokers, skip } of LINES)
  (brokers ? describe : describe.skip)(
    `Kafka bridge on a real broker, ${name}${brokers ? '' : ` (skipped: ${skip ?? 'no broker'})`}`,
    () => {
      let dir: string;
      let kafka: KafkaPort;
      let store: SqliteEventStore;
      let producer: KafkaProducerPort;
      const running: Array<{ stop: () => Promise<void> }> = [];

      beforeAll(async () => {
        kafka = testKafka(brokers!);
        await ensureTopics(kafka);
        producer = await kafka.producer();
      }, 60_000);
      afterAll(async () => {
        await producer.close();
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

      const startIngress = async (s: EventStore = store, groupId = `ingress-${Math.random()}`) => {
        const ingress = new KafkaIngress({ kafka, store: s, logger, sealing, groupId });
        await ingress.start();
        running.push(ingress);
        return ingress;
      };
      const send = (agency: string, values: unknown[]) =>
        producer.send(
          values.map((v) => ({
            topic: `hub.ingress.${agency}`,
            value: typeof v === 'string' ? v : JSON.stringify(v),
          })),
        );
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
          {
            ...clue('C-x'),
            type: 'CaseFiled',
            data: { caseId: marker, suspects: 1, offence: 'x' },
          },
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

      it('commits its offsets once the append is durable: a restarted ingress neither re-reads nor dead-letters again', async () => {
        const dead = await collectMessages(kafka, [DEAD_LETTER_TOPIC]);
        running.push(dead);
        const groupId = `ingress-${Math.random()}`;
        const marker = `poison-${Math.random()}`;
        // One key: one partition, read in this order.
        const key = marker;
        const first = new KafkaIngress({ kafka, store, logger, sealing, groupId });
        await first.start();
        const good = inspection(`K-${Math.random()}`);
        await producer.send([
          { topic: 'hub.ingress.emergency', key, value: `{not json ${marker}` },
          { topic: 'hub.ingress.emergency', key, value: JSON.stringify(good) },
        ]);
        await eventually(async () => (await storedIds()).includes(good.id));
        await first.stop();

        await startIngress(store, groupId);
        const after = inspection(`K-${Math.random()}`);
        await producer.send([
          { topic: 'hub.ingress.emergency', key, value: JSON.stringify(after) },
        ]);
        await eventually(async () => (await storedIds()).includes(after.id));
        await eventually(() => dead.messages.some((m) => m.value?.toString().includes(marker)));
        expect(dead.messages.filter((m) => m.value?.toString().includes(marker))).toHaveLength(1);

        // The group read the topic from its beginning: every partition ends up committed at its
        // end (Kafka's convention: the next offset to read, as other clients and
        // kafka-consumer-groups.sh read it), the commit following the append.
        let ends = new Map<number, bigint>();
        let committed = new Map<number, bigint>();
        await eventually(async () => {
          ends = await kafka.endOffsets('hub.ingress.emergency');
          committed = await kafka.committedOffsets(groupId, 'hub.ingress.emergency');
          return [...ends].every(([p, end]) => end === 0n || committed.get(p) === end);
        });
        expect(Math.max(...[...committed.values()].map(Number))).toBeGreaterThanOrEqual(3);
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

      it('sends an event that addresses no one to no inbox, while the addressed event after it arrives', async () => {
        const inboxes = await collectMessages(kafka, [
          inboxTopic('police'),
          inboxTopic('procuratorate'),
        ]);
        running.push(inboxes);
        const checkpoints = new SqliteCheckpointStore(join(dir, 'hub.db'));
        // One stream, so both land on the same partition of an inbox in store order: once the
        // addressed event is there, a wrongly relayed inspection would be there before it.
        const stream = `clue-${Math.random()}`;
        const event = inspection(`K-${Math.random()}`);
        const control = clue(`C-${Math.random()}`);
        await store.append(stream, [
          { id: event.id, type: event.type, data: event.data, metadata: { agency: 'emergency' } },
          {
            id: control.id,
            type: control.type,
            data: control.data,
            metadata: { agency: 'emergency', correlationId: control.id },
          },
        ]);
        const egress = new KafkaEgress({ kafka, store, checkpoints, logger });
        await egress.start();
        running.push(egress, { stop: () => checkpoints.close() });
        const relayed = (id: string, topic: string) =>
          inboxes.messages.filter(
            (m) => m.topic === topic && m.headers?.['hub-event-id']?.toString() === id,
          );
        await eventually(
          () =>
            relayed(control.id, inboxTopic('police')).length > 0 &&
            relayed(control.id, inboxTopic('procuratorate')).length > 0,
        );
        expect(relayed(event.id, inboxTopic('police'))).toHaveLength(0);
        expect(relayed(event.id, inboxTopic('procuratorate'))).toHaveLength(0);
      }, 60_000);

      it('gives the criminal-justice inboxes ID numbers in clear, each opening on the audit record first; a forgotten person stays sealed', async () => {
        const inboxes = await collectMessages(kafka, [inboxTopic('police')]);
        running.push(inboxes);
        const checkpoints = new SqliteCheckpointStore(join(dir, 'hub.db'));
        const audit = memoryAuditTrail();
        const kept = residentIdFor('19800101', 11);
        const forgotten = residentIdFor('19800101', 12);
        const transfer = (clueId: string, idNumber: string) =>
          published('ClueTransferred', {
            clueId,
            origin: 'enforcement',
            toPoliceUnit: '310105',
            suspectedOffence: '刑法第二百八十条',
            suspects: 1,
            suspectPersons: [{ idNumber, name: '嫌疑人' }],
            fakeCertificates: 1,
          });
        const events = [
          transfer(`C-${Math.random()}`, kept),
          transfer(`C-${Math.random()}`, forgotten),
        ];
        const { problems } = await publishAsAgencies(
          store,
          events.map((event) => ({ agency: 'emergency' as const, event })),
          { sealing },
        );
        expect(problems).toEqual([]);
        await sealing.forget(sealing.matchKey(forgotten), '保存期限届满');
        const egress = new KafkaEgress({
          kafka,
          store,
          checkpoints,
          logger,
          opener: inboxOpener(sealing, audit),
        });
        await egress.start();
        running.push(egress, { stop: () => checkpoints.close() });
        const valueOf = (id: string) =>
          inboxes.messages
            .find((m) => m.headers?.['hub-event-id']?.toString() === id)
            ?.value?.toString();
        await eventually(() => events.every((e) => valueOf(e.id) !== undefined));
        expect(valueOf(events[0]!.id)).toContain(kept);
        expect(valueOf(events[1]!.id)).not.toContain(forgotten);
        expect(valueOf(events[1]!.id)).toContain('pii1:id:');
        const relays = (await audit.query({ action: 'personal_data.relay' }, { first: 10 }))
          .records;
        // Each person to each entitled addressee (ClueTransferred goes to police and procuratorate).
        expect(relays.map((r) => `${r.actor.agency}|${r.subject?.holderKey}`).sort()).toEqual(
          ['police', 'procuratorate']
            .flatMap((a) => [kept, forgotten].map((id) => `${a}|${sealing.matchKey(id)}`))
            .sort(),
        );
        expect(JSON.stringify(relays)).not.toContain(kept);
      }, 60_000);

      const appendClue = async (clueId: string) => {
        const event = clue(clueId);
        await store.append(`clue-${clueId}`, [
          {
            id: event.id,
            type: event.type,
            data: event.data,
            metadata: { agency: 'emergency', correlationId: event.id },
          },
        ]);
        return event.id;
      };

      it('never checkpoints past a batch whose send failed (a later successful send once skipped it)', async () => {
        const inbox = await collectMessages(kafka, [inboxTopic('police')]);
        running.push(inbox);
        const checkpoints = new SqliteCheckpointStore(join(dir, 'hub.db'));
        const { kafka: faulty, control } = failingSends(kafka);
        const egress = new KafkaEgress({ kafka: faulty, store, checkpoints, logger });
        await egress.start();
        running.push(egress, { stop: () => checkpoints.close() });

        control.failNext = true;
        const failed = await appendClue(`C-${Math.random()}`);
        await eventually(() => control.failures === 1);
        // Appended at once, before the egress has started again from its checkpoint.
        const later = await appendClue(`C-${Math.random()}`);

        const ids = () =>
          new Set(inbox.messages.map((m) => m.headers?.['hub-event-id']?.toString()));
        await eventually(() => ids().has(later), 20_000);
        await eventually(() => ids().has(failed), 20_000);
      }, 60_000);

      it('recovers from a failed send after it was stopped and started again (as the hub does when a start fails)', async () => {
        const inbox = await collectMessages(kafka, [inboxTopic('police')]);
        running.push(inbox);
        const checkpoints = new SqliteCheckpointStore(join(dir, 'hub.db'));
        const { kafka: faulty, control } = failingSends(kafka);
        const egress = new KafkaEgress({ kafka: faulty, store, checkpoints, logger, batchSize: 1 });
        await egress.stop();
        await egress.start();
        running.push(egress, { stop: () => checkpoints.close() });

        control.failNext = true;
        const failed = await appendClue(`C-${Math.random()}`);
        await eventually(() => control.failures === 1);
        const later = await appendClue(`C-${Math.random()}`);

        const ids = () =>
          new Set(inbox.messages.map((m) => m.headers?.['hub-event-id']?.toString()));
        await eventually(() => ids().has(failed) && ids().has(later), 20_000);
      }, 60_000);
    },
  );
