/**
 * The bridge's own port to Kafka: the few things ingress, egress and topology need, so the
 * client library stays behind one adapter (today @platformatic/kafka; kafkajs could not speak
 * to Kafka 4, which removed the old protocol versions it used, KIP-896).
 */
export type KafkaHeaders = Record<string, string>;

export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** The message's offset in its partition (decimal). */
  offset: string;
  headers: KafkaHeaders;
}

/** Messages of one partition, in offset order. */
export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

export interface ProducedMessage {
  topic: string;
  /** Messages with one key go to one partition (Kafka's default partitioner) and keep their order. */
  key?: string | Buffer | null;
  value: string | Buffer;
  headers?: KafkaHeaders;
}

export interface TopicSpec {
  partitions: number;
  replicationFactor: number;
  /** Topic configuration entries, e.g. min.insync.replicas. */
  configs?: Record<string, string>;
}

export interface ConsumeOptions {
  groupId: string;
  topics: readonly string[];
  /**
   * Called with what one read of the fetched messages holds, one batch per partition, the
   * calls one after another. The group's offsets move past these batches only after this
   * resolves (the commit may follow while the next call runs). When it rejects nothing of
   * them is committed and the consumer ends through `onFailure`: the next consumer of the
   * group reads them again.
   */
  onBatches(batches: readonly ConsumedBatch[]): Promise<void>;
  /** The consumer ended (a batch or the client failed); it is closed or closing. */
  onFailure(error: unknown): void;
}

export interface KafkaProducerPort {
  /** Idempotent, acknowledged by every in-sync replica; rejects when the broker stays away past the retries. */
  send(messages: readonly ProducedMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaConsumerPort {
  close(): Promise<void>;
}

export interface KafkaPort {
  /** Creates the topics that are missing, and waits until every partition has a leader. */
  ensureTopics(topics: readonly string[], spec: TopicSpec): Promise<void>;
  producer(): Promise<KafkaProducerPort>;
  /** A group member that reads from the group's committed offsets (the earliest without one). */
  consume(options: ConsumeOptions): Promise<KafkaConsumerPort>;
  /** The group's committed offsets by partition: the next offset each reads (Kafka's convention). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>>;
  /** The end offset of each partition (the offset the next message will get). */
  endOffsets(topic: string): Promise<Map<number, bigint>>;
}
