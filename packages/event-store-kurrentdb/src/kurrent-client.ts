import type {
  AllStreamResolvedEvent,
  AppendStreamRequest,
  MultiAppendResult,
  ReadAllOptions as KurrentReadAllOptions,
  ReadStreamOptions as KurrentReadStreamOptions,
  ResolvedEvent,
  SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';

/**
 * The part of `KurrentDBClient` the adapter uses: the real client satisfies it, and the unit
 * tests pass a fake of it (no server runs on the build machines).
 */
export interface KurrentClient {
  multiStreamAppend(requests: AppendStreamRequest[]): Promise<MultiAppendResult>;
  readStream(stream: string, options?: KurrentReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options?: KurrentReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): KurrentAllSubscription;
  dispose(): Promise<void>;
}

export interface KurrentAllSubscription extends AsyncIterable<AllStreamResolvedEvent> {
  on(event: 'caughtUp', listener: () => void): unknown;
  unsubscribe(): Promise<void>;
}

/** Where the adapter says what it does about a subscription (pino's shape). */
export interface KurrentLogger {
  warn(details: Record<string, unknown>, message: string): void;
}
