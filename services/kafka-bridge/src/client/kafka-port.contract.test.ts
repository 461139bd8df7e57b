import { Partitioners } from 'kafkajs';
import type { ConsumedBatch, KafkaPort } from './kafka-port.js';

/**
 * What every adapter of the bridge's Kafka port promises, on a real broker. Kafka's default
 * partitioner is checked against kafkajs' (the Java client's, murmur2), so that keys land where
 * other clients put them and one case keeps one partition across a change of client.
 */
export function kafkaPortContract(name: string, makePort: () => KafkaPort): void {
  describe(`Kafka port contract: ${name}`, () => {
    let kafka: KafkaPort;
    const topic = `contract.${Date.now()}.${Math.floor(Math.random() * 1e6)}`;
    const eventually = async (check: () => boolean | Promise<boolean>, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    beforeAll(async () => {
      kafka = makePort();
      await kafka.ensureTopics([topic], { partitions: 3, replicationFactor: 1 });
      // Twice: the second call finds them and changes nothing.
      await kafka.ensureTopics([topic], { partitions: 3, replicationFactor: 1 });
    });

    it('sends keyed messages in order, to the partition Kafka’s default partitioner picks, with headers', async () => {
      const producer = await kafka.producer();
      const keys = ['clue-a', 'clue-b', 'case-310105-0001', '案件-1'];
      await producer.send(
        keys.flatMap((key) =>
          [1, 2, 3].map((n) => ({ topic, key, value: `${key}#${n}`, headers: { n: String(n) } })),
        ),
      );
      await producer.close();
      const batches: ConsumedBatch[] = [];
      const consumer = await kafka.consume({
        groupId: `contract-${Math.random()}`,
        topics: [topic],
        onBatches: async (read) => void batches.push(...read),
        onFailure: () => undefined,
      });
      const received = () =>
        batches.flatMap((b) => b.messages.map((m) => ({ partition: b.partition, ...m })));
      await eventually(() => received().length >= 12);
      await consumer.close();
      const reference = Partitioners.DefaultPartitioner();
      const partitionMetadata = [0, 1, 2].map((partitionId) => ({
        partitionId,
        leader: 1,
        partitionErrorCode: 0,
        replicas: [1],
        isr: [1],
      }));
      for (const key of keys) {
        const mine = received().filter((m) => m.key?.toString() === key);
        expect(mine.map((m) => m.value?.toString())).toEqual([1, 2, 3].map((n) => `${key}#${n}`));
        expect(mine.map((m) => m.headers.n)).toEqual(['1', '2', '3']);
        expect(new Set(mine.map((m) => m.partition))).toEqual(
          new Set([reference({ topic, partitionMetadata, message: { key, value: null } })]),
        );
      }
    });

    it('sends one value and one set of headers shared by several messages of a send, each whole', async () => {
      // As the egress sends an event to several inboxes: the same strings, message after message.
      const value = JSON.stringify({ text: '检查记录'.repeat(50), n: Math.random() });
      const headers = { 'hub-event-id': `shared-${Math.random()}`, 'hub-event-type': '检查' };
      const keys = ['shared-a', 'shared-b', 'shared-c'];
      const producer = await kafka.producer();
      await producer.send([
        ...keys.map((key) => ({ topic, key, value, headers })),
        { topic, key: 'shared-other', value: 'other', headers: { 'hub-event-id': 'other' } },
        ...keys.map((key) => ({ topic, key, value, headers })),
      ]);
      await producer.close();
      const batches: ConsumedBatch[] = [];
      const consumer = await kafka.consume({
        groupId: `contract-shared-${Math.random()}`,
        topics: [topic],
        onBatches: async (read) => void batches.push(...read),
        onFailure: () => undefined,
      });
      const received = () =>
        batches.flatMap((b) => b.messages).filter((m) => m.key?.toString().startsWith('shared-'));
      await eventually(() => received().length >= 7);
      await consumer.close();
      const shared = received().filter((m) => m.key?.toString() !== 'shared-other');
      expect(shared).toHaveLength(6);
      for (const m of shared) {
        expect(m.value?.toString()).toBe(value);
        expect(m.headers).toEqual(headers);
      }
      const other = received().find((m) => m.key?.toString() === 'shared-other')!;
      expect(other.value?.toString()).toBe('other');
      expect(other.headers).toEqual({ 'hub-event-id': 'other' });
    });

    it('commits the next offset to read only after a batch was handled; a failed batch is read again', async () => {
      const groupId = `contract-commit-${Math.random()}`;
      const producer = await kafka.producer();
      await producer.send([{ topic, key: 'commit', value: 'first' }]);
      const failures: unknown[] = [];
      let seen = 0;
      const failing = await kafka.consume({
        groupId,
        topics: [topic],
        onBatches: async (read) => {
          seen += read.reduce((n, b) => n + b.messages.length, 0);
          throw new Error('not handled');
        },
        onFailure: (e) => failures.push(e),
      });
      await eventually(() => failures.length === 1);
      await failing.close();
      expect(seen).toBeGreaterThan(0);
      // Nothing of the failed batch was committed.
      expect((await kafka.committedOffsets(groupId, topic)).size).toBe(0);

      const handled: string[] = [];
      const again = await kafka.consume({
        groupId,
        topics: [topic],
        onBatches: async (read) =>
          void handled.push(...read.flatMap((b) => b.messages.map((m) => m.value!.toString()))),
        onFailure: () => undefined,
      });
      await eventually(() => handled.includes('first'));
      const ends = await kafka.endOffsets(topic);
      await eventually(async () => {
        const committed = await kafka.committedOffsets(groupId, topic);
        return [...ends].every(([p, end]) => end === 0n || committed.get(p) === end);
      });
      await again.close();

      // A new member of the group starts after the committed offsets: only what is new.
      await producer.send([{ topic, key: 'commit', value: 'second' }]);
      const later: string[] = [];
      const resumed = await kafka.consume({
        groupId,
        topics: [topic],
        onBatches: async (read) =>
          void later.push(...read.flatMap((b) => b.messages.map((m) => m.value!.toString()))),
        onFailure: () => undefined,
      });
      await eventually(() => later.includes('second'));
      await resumed.close();
      await producer.close();
      expect(later).toEqual(['second']);
    });
  });
}
