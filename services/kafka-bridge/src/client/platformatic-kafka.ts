import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  Admin,
  Consumer,
  ListOffsetTimestamps,
  murmur2,
  Producer,
  type Message,
  type MessagesStream,
  type MessageToProduce,
} from '@platformatic/kafka';
import type {
  ConsumedBatch,
  ConsumeOptions,
  KafkaConsumerPort,
  KafkaHeaders,
  KafkaPort,
  KafkaProducerPort,
  ProducedMessage,
  TopicSpec,
} from './kafka-port.js';
import './tagged-fields.js';

export interface PlatformaticKafkaOptions {
  clientId: string;
  brokers: readonly string[];
  /** TLS towards the brokers (a private CA in `ca`); none: plaintext. */
  tls?: TlsOptions;
  sasl?: {
    mechanism: 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN';
    username: string;
    password: string;
  };
  /** Retries of a request while a broker is away, and the pause between them. */
  retries?: number;
  retryDelayMs?: number;
  /**
   * How long one send may take. The client's idempotent producer retries without end; past
   * this the send is reported failed (and may still arrive: at least once), so a relay pass
   * ends and starts again from its checkpoint instead of hanging while the broker is away.
   */
  sendTimeoutMs?: number;
  /** Longest wait of a fetch for new messages (the consumer's latency when idle). */
  maxWaitMs?: number;
  /**
   * Most messages handed over in one call (default 2,000), and as many held fetched ahead.
   * A backlog is read in calls this large, so what is done once per call (an append, its
   * sync) is paid once for many; with no backlog, a call holds what has just arrived.
   */
  maxBatchMessages?: number;
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

const MAX_BATCH = 2000;

/** Kafka's default partitioner (as the Java client and kafkajs): murmur2 of the key, made positive. */
const keyPartitioner = (message: MessageToProduce<Buffer, Buffer, Buffer, Buffer>): number =>
  message.key ? murmur2(message.key) & 0x7fffffff : Math.floor(Math.random() * 0x7fffffff);

/**
 * Encodes each distinct string once per send: an event relayed to several inboxes is one value
 * and one set of headers, and every message carries the same header names. (Encoding them per
 * message took 4% of the egress's thread.) The client only reads the buffers it is given.
 */
function encoderOfOneSend(): (value: string | Buffer) => Buffer {
  const encoded = new Map<string, Buffer>();
  return (value) => {
    if (typeof value !== 'string') return value;
    let bytes = encoded.get(value);
    if (!bytes) encoded.set(value, (bytes = Buffer.from(value)));
    return bytes;
  };
}

function headersOf(headers: Map<Buffer, Buffer>): KafkaHeaders {
  const out: KafkaHeaders = {};
  for (const [k, v] of headers) out[k.toString('utf8')] = v.toString('utf8');
  return out;
}

/** Whether the client marks a failure, or any failure it gathers, as one to try again. */
function retriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { canRetry?: unknown }).canRetry === true) return true;
  const inner = (error as { errors?: unknown }).errors;
  return Array.isArray(inner) && inner.some(retriable);
}

/**
 * Runs a group operation again while the broker answers that it cannot yet (a fresh cluster
 * creates its offsets topic on the first group: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS
 * for a few seconds). Other failures, and one lasting past the wait, are thrown.
 */
async function whileCoordinatorLoads<T>(operation: () => Promise<T>, waitMs = 30_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!retriable(error) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Closes a consumer at once (no wait for its streams), never throwing. */
function closeNow(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  return new Promise((resolve) => consumer.close(true, () => resolve()));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The bridge's Kafka port on @platformatic/kafka (pure JavaScript, Kafka 3.5 to 4.x protocols).
 * Group offsets follow Kafka's convention (the next offset to read), set and read by this
 * adapter rather than by the client's stream, so offsets committed by other clients (kafkajs,
 * Java tools) are read the same way and a hub moved from kafkajs resumes where it was.
 */
export class PlatformaticKafka implements KafkaPort {
  constructor(private readonly options: PlatformaticKafkaOptions) {}

  private base(suffix: string) {
    const o = this.options;
    return {
      clientId: `${o.clientId}-${suffix}`,
      bootstrapBrokers: [...o.brokers],
      retries: o.retries ?? 5,
      retryDelay: o.retryDelayMs ?? 500,
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.sasl ? { sasl: { ...o.sasl } } : {}),
    };
  }

  async ensureTopics(topics: readonly string[], spec: TopicSpec): Promise<void> {
    const admin = new Admin(this.base('admin'));
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        try {
          await admin.createTopics({
            topics: missing,
            partitions: spec.partitions,
            replicas: spec.replicationFactor,
            configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
          });
        } catch (error) {
          // Another start created them meanwhile: fine if they are all there now.
          const now = new Set(await admin.listTopics());
          if (!missing.every((t) => now.has(t))) throw error;
        }
      }
      await this.waitForLeaders(admin, [...topics]);
    } finally {
      await admin.close();
    }
  }

  private async waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const metadata = await admin.metadata({ topics, forceUpdate: true });
        const ready = topics.every((t) => {
          const partitions = metadata.topics.get(t)?.partitions ?? [];
          return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
        });
        if (ready) return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline)
        throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async producer(): Promise<KafkaProducerPort> {
    const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      ...this.base('producer'),
      idempotent: true,
      partitioner: keyPartitioner,
    });
    const timeoutMs = this.options.sendTimeoutMs ?? 30_000;
    return {
      async send(messages: readonly ProducedMessage[]) {
        if (messages.length === 0) return;
        const encode = encoderOfOneSend();
        await withTimeout(
          producer.send({
            messages: messages.map((m) => ({
              topic: m.topic,
              ...(m.key == null ? {} : { key: encode(m.key) }),
              value: encode(m.value),
              headers: new Map(
                Object.entries(m.headers ?? {}).map(([k, v]) => [encode(k), encode(v)]),
              ),
            })),
          }),
          timeoutMs,
          'a Kafka send',
        );
      },
      close: () => producer.close(),
    };
  }

  async consume(options: ConsumeOptions): Promise<KafkaConsumerPort> {
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...this.base('consumer'),
      groupId: options.groupId,
      autocommit: false,
      maxWaitTime: this.options.maxWaitMs ?? 500,
      highWaterMark: this.options.maxBatchMessages ?? MAX_BATCH,
      sessionTimeout: 30_000,
      heartbeatInterval: 1000,
    });
    let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
    try {
      stream = await consumer.consume({
        topics: [...options.topics],
        autocommit: false,
        // Start where the group's committed offsets say (Kafka's convention, see the class
        // comment); partitions without one from the beginning.
        mode: 'manual',
        fallbackMode: 'earliest',
        offsets: await whileCoordinatorLoads(() => this.startOffsets(consumer, options.topics)),
      });
    } catch (error) {
      await closeNow(consumer);
      throw error;
    }
    return new BatchLoop(consumer, stream, options, this.options.maxBatchMessages ?? MAX_BATCH);
  }

  private async startOffsets(
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    topics: readonly string[],
  ) {
    const metadata = await consumer.metadata({ topics: [...topics], forceUpdate: true });
    const committed = await consumer.listCommittedOffsets({
      topics: topics.map((topic) => ({
        topic,
        partitions: [...Array(metadata.topics.get(topic)?.partitionsCount ?? 0).keys()],
      })),
    });
    return [...committed].flatMap(([topic, offsets]) =>
      offsets.flatMap((offset, partition) => (offset >= 0n ? [{ topic, partition, offset }] : [])),
    );
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const consumer = new Consumer({ ...this.base('offsets'), groupId });
    try {
      const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
      const partitions = [...Array(metadata.topics.get(topic)?.partitionsCount ?? 0).keys()];
      const committed = await whileCoordinatorLoads(() =>
        consumer.listCommittedOffsets({ topics: [{ topic, partitions }] }),
      );
      return new Map(
        (committed.get(topic) ?? []).flatMap((o, p) => (o >= 0n ? [[p, o] as const] : [])),
      );
    } finally {
      await closeNow(consumer);
    }
  }

  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const consumer = new Consumer({ ...this.base('offsets'), groupId: `offsets-${Date.now()}` });
    try {
      const offsets = await consumer.listOffsets({
        topics: [topic],
        timestamp: ListOffsetTimestamps.LATEST,
      });
      return new Map((offsets.get(topic) ?? []).map((o, p) => [p, o] as const));
    } finally {
      await closeNow(consumer);
    }
  }
}

/**
 * Reads what the stream has fetched, hands it over in one call (a batch per partition) and
 * commits the next offsets once that call has resolved: never before. The commit runs while
 * the next messages are handled, so a round trip to the group coordinator is not paid per
 * batch; offsets handled meanwhile go in the next commit, one request for every partition.
 * A failure closes the consumer: what was handled is committed as it stands, the rest is read
 * again by the group's next consumer.
 */
class BatchLoop implements KafkaConsumerPort {
  private closing = false;
  private closed: Promise<void> | undefined;
  private streamError: Error | undefined;
  private readonly done: Promise<void>;
  /** Handled but not yet committed: the next offset to read, by partition. */
  private readonly uncommitted = new Map<
    string,
    { topic: string; partition: number; offset: bigint }
  >();
  private committing: Promise<void> | undefined;
  private commitError: unknown;

  constructor(
    private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    private readonly stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
    private readonly options: ConsumeOptions,
    private readonly maxBatch: number,
  ) {
    stream.on('error', (error) => {
      this.streamError ??= error;
      this.wake();
    });
    // A 'readable' listener stays attached for the stream's life: without one the stream takes
    // itself as unread and stops fetching, and a listener added again later does not restart it.
    stream.on('readable', () => this.wake());
    stream.on('end', () => this.wake());
    stream.on('close', () => this.wake());
    this.done = this.run().catch((error: unknown) => this.fail(error));
  }

  private waiting: (() => void) | undefined;

  private wake(): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.();
  }

  private fail(error: unknown): void {
    if (this.closing) return;
    void this.close().finally(() => this.options.onFailure(error));
  }

  private async run(): Promise<void> {
    for (;;) {
      const messages = await this.nextMessages();
      if (!messages) {
        if (this.streamError !== undefined) throw this.streamError;
        if (!this.closing) throw new Error('the Kafka consumer stream ended');
        return;
      }
      const batches = byPartition(messages);
      await this.options.onBatches(batches);
      // Handled, hence committed even when the consumer is closing meanwhile.
      for (const { topic, partition, messages: handled } of batches)
        this.uncommitted.set(`${partition}:${topic}`, {
          topic,
          partition,
          offset: BigInt(handled.at(-1)!.offset) + 1n,
        });
      this.committing ??= this.commitHandled();
      if (this.closing) return;
    }
  }

  /** Commits what was handled, again while more was handled during the last commit. */
  private async commitHandled(): Promise<void> {
    try {
      while (this.uncommitted.size > 0) {
        const offsets = [...this.uncommitted.values()].map((o) => ({ ...o, leaderEpoch: -1 }));
        this.uncommitted.clear();
        await this.consumer.commit({ offsets });
      }
    } catch (error) {
      this.uncommitted.clear();
      this.commitError = error;
      this.wake();
      this.fail(error);
    } finally {
      this.committing = undefined;
    }
  }

  /** What the stream holds now (at most maxBatch), waiting for some; undefined once it ends. */
  private async nextMessages(): Promise<RawMessage[] | undefined> {
    for (;;) {
      if (this.closing || this.streamError !== undefined || this.commitError !== undefined)
        return undefined;
      const out: RawMessage[] = [];
      let m: RawMessage | null;
      while (out.length < this.maxBatch && (m = this.stream.read() as RawMessage | null) !== null)
        out.push(m);
      if (out.length > 0) return out;
      if (this.stream.destroyed || this.stream.readableEnded) return undefined;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  close(): Promise<void> {
    this.closing = true;
    return (this.closed ??= (async () => {
      this.wake();
      // The batch in hand is finished and what was handled committed before the client goes.
      // `done` never rejects: a failure of the loop went to fail() and onFailure already.
      await this.done;
      await this.committing;
      await this.stream.close().catch(() => undefined);
      await closeNow(this.consumer);
    })());
  }
}

/** The messages of one read, a batch per partition, each in offset order. */
function byPartition(messages: readonly RawMessage[]): ConsumedBatch[] {
  const batches = new Map<string, ConsumedBatch>();
  for (const m of messages) {
    const key = `${m.partition}:${m.topic}`;
    let batch = batches.get(key);
    if (!batch) {
      batch = { topic: m.topic, partition: m.partition, messages: [] };
      batches.set(key, batch);
    }
    batch.messages.push({
      key: m.key ?? null,
      value: m.value ?? null,
      offset: m.offset.toString(),
      headers: headersOf(m.headers),
    });
  }
  return [...batches.values()];
}
