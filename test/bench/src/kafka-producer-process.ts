/**
 * An agency's producer in a process of its own, as agencies publish from their own systems: the
 * hub's work never holds up its sends (the store's synchronous commits would, in one process).
 * Forked with IPC: `{ brokers, topic, count }` in; it prepares the messages and its producer and
 * answers `ready`; on `go` it sends them in sends of 1,000, each awaited, and answers `done`.
 */
import { randomUUID } from 'node:crypto';
import { testKafka } from '@hub/kafka-bridge/testing';

interface Job {
  brokers: string;
  topic: string;
  count: number;
}

const message = (i: number) =>
  JSON.stringify({
    id: randomUUID(),
    type: 'ClueTransferred',
    schemaVersion: 1,
    reportingUnit: '310105',
    occurredAt: '2024-06-20T10:00:00+08:00',
    actor: { officerId: 'bench' },
    data: {
      clueId: `C-${i % 2000}`,
      origin: 'enforcement',
      toPoliceUnit: '310105',
      suspectedOffence: '刑法第二百八十条',
      suspects: 1,
      fakeCertificates: 2,
    },
  });

const job = await new Promise<Job>((resolve) => process.once('message', (m) => resolve(m as Job)));
const values = Array.from({ length: job.count }, (_, i) => message(i));
const producer = await testKafka(job.brokers).producer();
await new Promise<void>((resolve) => {
  process.once('message', () => resolve());
  process.send!('ready');
});
for (let i = 0; i < values.length; i += 1000)
  await producer.send(values.slice(i, i + 1000).map((value) => ({ topic: job.topic, value })));
await producer.close();
process.send!('done', () => process.disconnect());
