import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { builtWorkerScript } from '@hub/read-models';
import type { HubConfig } from '../config.js';
import type {
  CommittedChanges,
  FromProjectionThread,
  ProjectionThreadSetup,
  ToProjectionThread,
} from './messages.js';

/** Longest wait before a thread that died is started again. */
const MAX_RESTART_MS = 30_000;
/** How long a stop waits for the thread to close what it opened before it is cut off. */
const STOP_TIMEOUT_MS = 30_000;

export interface ProjectionThreadOptions {
  config: HubConfig;
  /** Logs the thread's records (with its redaction) under component "projections". */
  logger: Logger;
  /** Told after each commit which documents changed (the GraphQL subscriptions). */
  onCommitted: (changes: CommittedChanges) => void;
}

/**
 * The embedded hub's projections on a thread of their own. On the request thread they took a
 * seventh of its time under load (reading, projecting, writing facts and documents), and a
 * rebuild after an upgrade held back every request; here they use the other core. The thread
 * opens its own connections, so it needs nothing from this one but its configuration. A thread
 * that dies is started again, sooner after a first failure than after a run of them.
 */
export class ProjectionThread {
  private worker: Worker | undefined;
  private stopping = false;
  private failures = 0;
  private restart: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProjectionThreadOptions) {}

  start(): void {
    if (this.worker || this.restart) return;
    this.stopping = false;
    this.spawn();
  }

  private spawn(): void {
    this.restart = undefined;
    const setup: ProjectionThreadSetup = {
      config: this.options.config,
      logLevel: this.options.logger.level,
    };
    const worker = new Worker(
      builtWorkerScript(new URL('./projection-worker.js', import.meta.url)),
      {
        workerData: setup,
      },
    );
    const log = this.options.logger;
    worker.on('message', (message: FromProjectionThread) => {
      if (message.kind === 'log') relog(log, message.line);
      else if (message.kind === 'committed') {
        // It works again: a later failure waits as after a first one.
        this.failures = 0;
        this.options.onCommitted(message.changes);
      }
      // Everything it opened is closed; its message port alone keeps it alive.
      else void worker.terminate();
    });
    worker.on('error', (err) => log.error({ err }, 'the projection thread failed'));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.stopping) return;
      this.failures += 1;
      const wait = Math.min(MAX_RESTART_MS, 500 * 2 ** Math.min(this.failures, 10));
      log.error(
        { code, failures: this.failures, restartInMs: wait },
        'the projection thread ended; starting it again',
      );
      this.restart = setTimeout(() => this.spawn(), wait);
    });
    this.worker = worker;
  }

  /** Stops the thread once it has committed what it was applying and closed its connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restart);
    this.restart = undefined;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'stop' } satisfies ToProjectionThread);
    const timer = setTimeout(() => {
      this.options.logger.error('the projection thread did not stop in time; ending it');
      void worker.terminate();
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** A record the thread's pino wrote, logged again here: one logger, one redaction, one sink. */
function relog(logger: Logger, line: string): void {
  const { level, msg, err, ...fields } = JSON.parse(line) as Record<string, unknown> & {
    level: number;
    msg?: string;
    err?: { type?: string; message?: string; stack?: string };
  };
  const label = logger.levels.labels[level] ?? 'info';
  if (err) fields.err = Object.assign(new Error(err.message), { name: err.type, stack: err.stack });
  logger[label as 'info'](fields, msg);
}
