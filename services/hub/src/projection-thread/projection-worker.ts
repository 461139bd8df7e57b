/**
 * The projection thread: opens its own connections to the event store, the read models and the
 * vault (as `hub report` does beside a running hub), and applies the hub's projections until it
 * is told to stop. Its log records and each commit's changed documents go to the API thread,
 * which logs them with its own logger and tells the GraphQL subscriptions.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { AppendArrivals, type EventStore } from '@hub/event-store';
import { ProjectionRunner, type ReadModelStore } from '@hub/read-models';
import type { PersonalDataVault } from '@hub/personal-data';
import { hubProjections, openEventStore, openReadModels, openVault } from '../read-side.js';
import type {
  FromProjectionThread,
  ProjectionThreadSetup,
  ToProjectionThread,
} from './messages.js';
import { closeEach } from '../shutdown.js';

const port = parentPort!;
const send = (message: FromProjectionThread) => port.postMessage(message);
const { config, logLevel } = workerData as ProjectionThreadSetup;
const logger = pino(
  { level: logLevel, base: undefined },
  { write: (line: string) => send({ kind: 'log', line }) },
);

// Listening from the start: a stop asked for while the stores open is not missed.
let stopAsked = false;
let onStop: (() => void) | undefined;
const stopped = new Promise<void>((resolve) => (onStop = resolve));
port.on('message', (message: ToProjectionThread) => {
  if (message.kind !== 'stop') return;
  stopAsked = true;
  onStop?.();
});

let store: EventStore | undefined;
let readModels: ReadModelStore | undefined;
let vault: PersonalDataVault | undefined;
try {
  store = await openEventStore(config, new AppendArrivals(), undefined, logger);
  readModels = openReadModels(config);
  vault = await openVault(config);
  const runner = new ProjectionRunner({
    store,
    readModels,
    projections: hubProjections(vault),
    logger,
    onCommitted: (changes) => send({ kind: 'committed', changes }),
  });
  // A stop already sent is delivered in the event loop's next turn (opening did not yield to
  // it); asked to stop before it began, the thread makes not even one pass.
  await new Promise((resolve) => setImmediate(resolve));
  if (!stopAsked) {
    runner.start();
    await stopped;
    await runner.stop();
  }
} catch (err) {
  logger.error({ err }, 'the projection thread could not run');
} finally {
  // Whatever will not close, the API thread hears that this one stopped.
  await closeEach([
    ['the read models', () => readModels?.close()],
    ['the event store', () => store?.close()],
    ['the vault', () => vault?.close()],
  ]).catch((err: unknown) => logger.error({ err }, 'the projection thread could not close'));
  send({ kind: 'stopped' });
}
