import type { HubConfig } from '../config.js';

/** What the projection thread is started with. */
export interface ProjectionThreadSetup {
  config: HubConfig;
  /** The API thread's log level: the thread's lines below it are not even sent. */
  logLevel: string;
}

/** Changes to read-model documents, as the runner reports each commit. */
export type CommittedChanges = ReadonlyArray<{ projection: string; keys: string[] }>;

export type ToProjectionThread = { kind: 'stop' };

export type FromProjectionThread =
  /** One log record as pino wrote it (JSON), for the API thread's logger to log again. */
  | { kind: 'log'; line: string }
  | { kind: 'committed'; changes: CommittedChanges }
  /** Everything the thread opened is closed: it may be terminated. */
  | { kind: 'stopped' };
