import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  /** Fields counted once each, multiplied by the page size (`first`) of the lists above them. */
  maxCost: number;
  maxRootFields: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 8,
  maxAliases: 15,
  maxCost: 20_000,
  maxRootFields: 10,
};

/** Lists the schema returns whole (no `first`); paged lists are counted by their `first`. */
const UNPAGED_LISTS = new Set([
  'forms',
  'rows',
  'cells',
  'timeline',
  'steps',
  'evidence',
  'procuratorWorklist',
  'agencyActivity',
  'byType',
  'reasons',
  'units',
]);
/** A `first` given as a variable is counted at the largest page allowed. */
const MAX_FIRST = 100;

const refused = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

/**
 * Refuses abusive documents before they run: too deep, too many aliases, too many root fields,
 * or too costly (each field counts once per item of the lists above it). Fragments are followed.
 */
export function queryLimitsRule(limits: QueryLimits = DEFAULT_LIMITS) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

    const walk = (set: SelectionSetNode, depth: number, multiplier: number, seen: Set<string>) => {
      let cost = 0;
      let aliases = 0;
      let maxDepth = depth;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          const field: FieldNode = selection;
          if (field.alias) aliases++;
          const firstArg = field.arguments?.find((a) => a.name.value === 'first');
          // A paged list counts its page size; other lists count as ten (forms, timelines).
          const factor = firstArg
            ? firstArg.value.kind === Kind.INT
              ? Math.max(1, Number(firstArg.value.value))
              : MAX_FIRST
            : UNPAGED_LISTS.has(field.name.value)
              ? 10
              : 1;
          cost += multiplier;
          if (field.selectionSet) {
            const inner = walk(field.selectionSet, depth + 1, multiplier * factor, seen);
            cost += inner.cost;
            aliases += inner.aliases;
            maxDepth = Math.max(maxDepth, inner.maxDepth);
          }
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const inner = walk(selection.selectionSet, depth, multiplier, seen);
          cost += inner.cost;
          aliases += inner.aliases;
          maxDepth = Math.max(maxDepth, inner.maxDepth);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue;
          const inner = walk(fragment.selectionSet, depth, multiplier, new Set([...seen, name]));
          cost += inner.cost;
          aliases += inner.aliases;
          maxDepth = Math.max(maxDepth, inner.maxDepth);
        }
      }
      return { cost, aliases, maxDepth };
    };

    return {
      OperationDefinition(node) {
        const roots = node.selectionSet.selections.length;
        if (roots > limits.maxRootFields)
          return context.reportError(
            refused(`${roots} root fields; at most ${limits.maxRootFields} per request`),
          );
        const { cost, aliases, maxDepth } = walk(node.selectionSet, 1, 1, new Set());
        if (maxDepth > limits.maxDepth)
          context.reportError(
            refused(`the query is ${maxDepth} levels deep; at most ${limits.maxDepth}`),
          );
        if (aliases > limits.maxAliases)
          context.reportError(
            refused(`the query uses ${aliases} aliases; at most ${limits.maxAliases}`),
          );
        if (cost > limits.maxCost)
          context.reportError(
            refused(
              `the query would cost ${cost}; at most ${limits.maxCost} (ask for smaller pages)`,
            ),
          );
      },
    };
  };
}
