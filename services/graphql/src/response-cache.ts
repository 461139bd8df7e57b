import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import { Kind, OperationTypeNode, type FormattedExecutionResult } from 'graphql';
import type { ReadModelStore } from '@hub/read-models';
import type { GraphqlContext } from './context.js';

/** Root fields whose answers depend only on the read models, the viewer's scope and the clock. */
const CACHEABLE_ROOTS = new Set([
  'forms',
  'form',
  'formCellEvents',
  'clues',
  'clue',
  'cases',
  'case',
  'procuratorWorklist',
  'agencyActivity',
]);

/**
 * Answers a query again from memory when the same viewer scope asks the same thing, with the
 * same variables, while every read model is at the same checkpoint, within the same second
 * (deadlines turn overdue with the clock). Anything else — unmasking, checks, screenings,
 * errors — always runs. Fifty analysts on one dashboard then cost one execution a second.
 */
export function responseCachePlugin(
  readModels: ReadModelStore,
  size = 500,
): ApolloServerPlugin<GraphqlContext> {
  const cache = new Map<string, FormattedExecutionResult>();
  return {
    async requestDidStart() {
      let key: string | undefined;
      return {
        async responseForOperation(ctx): Promise<GraphQLResponse | null> {
          const roots = ctx.operation.selectionSet.selections;
          if (ctx.operation.operation !== OperationTypeNode.QUERY) return null;
          if (!roots.every((s) => s.kind === Kind.FIELD && CACHEABLE_ROOTS.has(s.name.value)))
            return null;
          const viewer = ctx.contextValue.viewer;
          const checkpoints = (await readModels.checkpoints()).map(
            (c) => `${c.projection}@${c.position}`,
          );
          key = JSON.stringify([
            viewer.role,
            viewer.agency ?? '',
            viewer.units ?? [],
            checkpoints,
            Math.floor(Date.now() / 1000),
            ctx.source,
            ctx.request.variables ?? {},
            ctx.operationName ?? '',
          ]);
          const hit = cache.get(key);
          return hit
            ? { http: ctx.response.http, body: { kind: 'single', singleResult: hit } }
            : null;
        },
        async willSendResponse(ctx) {
          if (!key || ctx.response.body.kind !== 'single') return;
          const result = ctx.response.body.singleResult;
          if (result.errors?.length || cache.has(key)) return;
          if (cache.size >= size) cache.delete(cache.keys().next().value!);
          cache.set(key, result);
        },
      };
    },
  };
}
