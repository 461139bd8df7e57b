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
/**
 * How long a stop waits for the thread to close what it opened before it is cut off: well
 * within the hub's own shutdown limit (SHUTDOWN_MS, 25 s, of which draining requests may take
 * 10), so what comes after it (the notary's last checkpoint, closing the stores) still runs.
 * A transaction cut off is rolled back; the next start applies its events again.
 */
const STOP_TIMEOUT_MS = 10_000;

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

  /** Starts the thread (again only once a stop has resolved). */
  start(): void {
    if (this.worker || this.restart) return;
    this.stopping = false;
    this.spawn();
  }

  private spawn(): void {
    this.restart = undefined;
    const log = this.options.logger;
    let worker: Worker;
    try {
      const setup: ProjectionThreadSetup = {
        config: this.options.config,
        logLevel: log.level,
      };
      worker = new Worker(builtWorkerScript(new URL('./projection-worker.js', import.meta.url)), {
        workerData: setup,
      });
    } catch (err) {
      // No script, no thread: tried again later, as when a thread ends.
      log.error({ err }, 'the projection thread could not be started');
      this.again();
      return;
    }
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
      log.error({ code, failures: this.failures + 1 }, 'the projection thread ended');
      this.again();
    });
    this.worker = worker;
  }

  /** Starts it again after a wait that doubles with each failure in a row (up to 30 s). */
  private again(): void {
    this.failures += 1;
    const wait = Math.min(MAX_RESTART_MS, 500 * 2 ** Math.min(this.failures, 10));
    this.options.logger.error(
      { failures: this.failures, restartInMs: wait },
      'starting the projection thread again',
    );
    this.restart = setTimeout(() => this.spawn(), wait);
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
  const { level, msg, time, err, component, ...fields } = JSON.parse(line) as Record<
    string,
    unknown
  > & {
    level: number;
    msg?: string;
    time?: number;
    err?: { type?: string; message?: string; stack?: string } & Record<string, unknown>;
    component?: string;
  };
  const label = logger.levels.labels[level] ?? 'info';
  // The thread's own part (the event store's connection) beside this logger's component.
  if (component !== undefined) fields.part = component;
  if (time !== undefined) fields.loggedAt = new Date(time).toISOString();
  if (err) {
    const { type, message, stack, ...rest } = err;
    // Its code (SQLITE_FULL …) and other fields kept; its class named, as the thread saw it.
    fields.err = Object.assign(new Error(message), rest, { name: type ?? 'Error', stack });
  }
  logger[label as 'info'](fields, msg);
}
