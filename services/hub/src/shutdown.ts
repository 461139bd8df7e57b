import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** How long requests in flight may take to finish after SIGTERM before their sockets close. */
export const DRAIN_MS = 10_000;
/** The whole shutdown, drain included; past it the process exits with status 1. */
export const SHUTDOWN_MS = 25_000;

/**
 * Stops an HTTP server gracefully: no new connections, requests in flight finish, idle
 * keep-alive connections close, and responses given while draining say `Connection: close`
 * so clients do not send another request on a socket about to go. After `drainMs` whatever
 * is still open is closed. Resolves when the server has closed.
 */
export function drainHttpServer(server: Server, drainMs = DRAIN_MS): Promise<void> {
  server.prependListener('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  return new Promise<void>((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => server.closeAllConnections(), drainMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * SIGTERM and SIGINT stop the process through `stop`, once, and exit 0 when it is done; a
 * second signal, or a stop that takes longer than `limitMs`, exits at once with status 1.
 * (No library may re-raise the signal meanwhile: Apollo's own handler is turned off.)
 */
export function exitOnTerminationSignals(
  stop: () => Promise<void>,
  logger: Logger,
  limitMs = SHUTDOWN_MS,
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing those in flight');
    setTimeout(() => {
      logger.error({ limitMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, limitMs).unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** A part to close at shutdown, named for the log should it fail. */
export type Closing = readonly [what: string, close: () => unknown];

/**
 * Closes the parts in order, each one even when one before it failed: a store that will not
 * close must not leave the others open or the data directory locked. Fails afterwards with
 * what failed, named (several failures: an AggregateError of them).
 */
export async function closeEach(parts: readonly Closing[]): Promise<void> {
  const failures: Error[] = [];
  for (const [what, close] of parts) {
    try {
      await close();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(new Error(`closing ${what} failed: ${message}`, { cause: error }));
    }
  }
  if (failures.length === 1) throw failures[0]!;
  if (failures.length > 1)
    throw new AggregateError(failures, failures.map((f) => f.message).join('; '));
}
