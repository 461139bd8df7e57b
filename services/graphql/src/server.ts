import type { IncomingMessage, Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import { answerFor, originOf, TokenBuckets } from '@hub/ingestion';
import { makeExecutableSchema } from '@graphql-tools/schema';
import express, { Router } from 'express';
import { GraphQLError, parse, specifiedRules, validate, type GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authorize, mayReadClue } from './auth/policy.js';
import { AuthenticationError, type UserDirectory } from './auth/users.js';
import { recordFailedSignIn, signIn, userActorOf } from './auth/sign-in.js';
import { auditPlugin } from './audit/audit-plugin.js';
import type { Viewer } from './auth/roles.js';
import { createContext, type GraphqlContext, type GraphqlDeps } from './context.js';
import { DEFAULT_LIMITS, queryLimitsRule, type QueryLimits } from './limits/query-limits.js';
import { LiveUpdates } from './live-updates.js';
import { QUERY_PAGE } from './query-page.js';
import { responseCachePlugin } from './response-cache.js';
import { resolvers } from './schema/resolvers.js';
import { omittingNullArguments } from './schema/null-arguments.js';
import { typeDefs } from './schema/type-defs.js';

export interface GraphqlApiOptions extends GraphqlDeps {
  users: UserDirectory;
  /** Production hides stack traces and internals, and turns introspection off. */
  production: boolean;
  limits?: QueryLimits;
  rateLimitPerMinute?: number;
  overdueCheckMs?: number;
  /** Answer repeated queries from memory (see response-cache.ts); on by default. */
  responseCache?: boolean;
  onInternalError?: (error: unknown) => void;
  /**
   * Benchmarks only: no audit plugin, so that `npm run bench -- graphql` can measure what
   * auditing reads costs against the same server without it. The hub never sets it.
   */
  unauditedForBenchmark?: true;
}

/** Codes of errors about the request itself; anything else is internal and told nothing. */
const KNOWN_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'QUERY_TOO_COMPLEX',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * One answer per failure: an error with a code of the hub's error table gets that table's
 * GraphQL code and its own message; GraphQL's own request errors pass (without schema hints
 * in production); anything else is internal: logged, and answered without details.
 */
export function formatGraphqlError(
  formatted: GraphQLFormattedError,
  error: unknown,
  options: { production: boolean; onInternalError?: (error: unknown) => void },
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const known = answerFor(original);
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  if (known)
    return {
      ...formatted,
      message: (original as Error).message,
      extensions: {
        ...(options.production ? {} : extensions),
        code: known.graphql,
        reason: known.code,
      },
    };
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : '';
  const userError =
    original instanceof GraphQLError || original === undefined || original === error;
  if (KNOWN_CODES.has(code) && userError)
    return options.production
      ? { ...formatted, message: withoutSchemaHints(formatted.message), extensions }
      : formatted;
  options.onInternalError?.(original ?? error);
  // Outside development nothing of the internals leaves the server.
  return options.production
    ? {
        message: 'internal error; the hub log has the details',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }
    : formatted;
}

/** Drops graphql-js's "Did you mean …?" suggestions, which name parts of the schema. */
export const withoutSchemaHints = (message: string) =>
  message.replace(/\s*Did you mean .*\?$/s, '');

/** Subscriptions are reads of the ledger as it changes: each start is on the audit record. */
function recordSubscription(ctx: GraphqlContext, field: string): void {
  ctx.deps.audit.record({
    actor: userActorOf(ctx.viewer),
    action: 'export.ledger',
    subject: { view: `subscription:${field}`, field },
    from: ctx.from,
    result: { outcome: 'ok' },
  });
}

/** Where a subscription's connection came from. */
const wsOrigin = (request: IncomingMessage) =>
  request.socket.remoteAddress ? { ip: request.socket.remoteAddress } : {};

export function buildSchema() {
  return makeExecutableSchema({
    typeDefs,
    resolvers: {
      ...resolvers,
      Query: omittingNullArguments(resolvers.Query),
      Subscription: {
        ledgerChanged: {
          subscribe: (_: unknown, __: unknown, ctx: GraphqlContext & { live: LiveUpdates }) => {
            authorize(ctx.viewer, 'ledgerChanged');
            recordSubscription(ctx, 'ledgerChanged');
            const feed = ctx.live.ledgerChanges();
            return (async function* () {
              for await (const view of feed)
                if (mayReadClue(ctx.viewer, view)) yield { ledgerChanged: view };
            })();
          },
        },
        newlyOverdue: {
          subscribe: async (
            _: unknown,
            __: unknown,
            ctx: GraphqlContext & { live: LiveUpdates },
          ) => {
            authorize(ctx.viewer, 'newlyOverdue');
            recordSubscription(ctx, 'newlyOverdue');
            const feed = await ctx.live.overdueSteps();
            return (async function* () {
              for await (const { clueId, step, clue } of feed)
                if (mayReadClue(ctx.viewer, clue)) yield { newlyOverdue: { clueId, step } };
            })();
          },
        },
      },
    },
  });
}

/**
 * The GraphQL API: Apollo Server on express at /graphql (HTTP) and graphql-ws on the same path
 * (WebSocket), the query page at /graphql/ui, limits on every document, and user tokens.
 */
export async function createGraphqlApi(options: GraphqlApiOptions) {
  const schema = buildSchema();
  const limits = options.limits ?? DEFAULT_LIMITS;
  const live = new LiveUpdates(
    options.readModels,
    () => options.deadlineRules,
    options.overdueCheckMs ?? 60_000,
  );
  const apollo = new ApolloServer<GraphqlContext & { live: LiveUpdates }>({
    schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: !options.production,
    validationRules: [queryLimitsRule(limits)],
    allowBatchedHttpRequests: false,
    // The hub stops itself on SIGTERM (requests in flight finish first); Apollo's own handler
    // would stop GraphQL and then re-raise the signal, killing the process mid-request.
    stopOnTerminationSignals: false,
    // No HTTP cache hints are used: skip their per-field bookkeeping. The hub serves its own page.
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ...(options.unauditedForBenchmark ? [] : [auditPlugin(schema)]),
      ...(options.responseCache === false ? [] : [responseCachePlugin(options.readModels)]),
    ],
    // Compact JSON: the default pretty-prints every response.
    stringifyResult: (result) => JSON.stringify(result),
    // Schema hints ("Did you mean …") would reveal what introspection hides.
    hideSchemaDetailsFromClientErrors: options.production,
    formatError: (formatted: GraphQLFormattedError, error: unknown) =>
      formatGraphqlError(formatted, error, options),
  });
  await apollo.start();

  const router = Router();
  router.get('/graphql/ui', (_req, res) => {
    res.type('html').setHeader('Cache-Control', 'no-store');
    res.send(QUERY_PAGE);
  });
  // Who asks is settled before anything else, so the rate limit counts per verified user
  // (per address while unauthenticated: failed attempts are limited too).
  const perMinute = options.rateLimitPerMinute ?? 600;
  const buckets = new TokenBuckets(perMinute);
  router.use('/graphql', (req, res, next) => {
    void signIn(options.users, req.headers.authorization).then(
      (viewer) => respond(viewer, `user:${viewer.userId}`),
      (error: unknown) => {
        if (!(error instanceof AuthenticationError)) return next(error);
        recordFailedSignIn(options.audit, error, 'graphql', originOf(req));
        respond(error, `address:${req.ip ?? 'unknown'}`);
      },
    );
    function respond(who: Viewer | AuthenticationError, key: string) {
      const wait = buckets.take(key);
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        res.status(429).json({
          errors: [
            {
              message: `每分钟请求超过 ${perMinute} 次，请稍后重试 / more than ${perMinute} requests a minute; slow down`,
              extensions: { code: 'RATE_LIMITED' },
            },
          ],
        });
        return;
      }
      if (who instanceof AuthenticationError) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="hub"');
        res.status(401).json({
          errors: [{ message: who.message, extensions: { code: 'UNAUTHENTICATED' } }],
        });
        return;
      }
      res.locals.viewer = who;
      next();
    }
  });
  router.use(
    '/graphql',
    express.json({ limit: '100kb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        ...createContext(res.locals.viewer as Viewer, options, originOf(req)),
        live,
      }),
    }),
  );

  let wsServer: WebSocketServer | undefined;
  let wsCleanup: { dispose: () => void | Promise<void> } | undefined;
  /** Ends every subscription (clients hear 1001, going away) and takes no new ones. */
  const closeSubscriptions = async () => {
    live.stop();
    const cleanup = wsCleanup;
    wsCleanup = undefined;
    await cleanup?.dispose();
    wsServer?.close();
    wsServer = undefined;
  };
  return {
    router,
    live,
    /** Serves subscriptions on the hub's HTTP server, same path. */
    attach(server: Server) {
      wsServer = new WebSocketServer({ server, path: '/graphql' });
      wsCleanup = useServer(
        {
          schema,
          context: async (ctx) => ({
            ...createContext(
              await signIn(options.users, ctx.connectionParams?.authorization),
              options,
              wsOrigin(ctx.extra.request),
            ),
            live,
          }),
          onConnect: async (ctx) => {
            try {
              await signIn(options.users, ctx.connectionParams?.authorization);
              return true;
            } catch (error) {
              if (!(error instanceof AuthenticationError)) throw error;
              recordFailedSignIn(options.audit, error, 'graphql-ws', wsOrigin(ctx.extra.request));
              return false;
            }
          },
          // Validated here in full (graphql-ws would otherwise validate again with hints).
          onSubscribe: (_ctx, _id, payload) => {
            let errors: readonly GraphQLError[];
            try {
              errors = validate(schema, parse(payload.query), [
                ...specifiedRules,
                queryLimitsRule(limits),
              ]);
            } catch (error) {
              if (!(error instanceof GraphQLError)) throw error;
              errors = [error];
            }
            if (errors.length === 0) return undefined;
            return options.production
              ? errors.map((e) => new GraphQLError(withoutSchemaHints(e.message)))
              : errors;
          },
        },
        wsServer,
      );
    },
    closeSubscriptions,
    async stop() {
      await closeSubscriptions();
      await apollo.stop();
    },
  };
}
