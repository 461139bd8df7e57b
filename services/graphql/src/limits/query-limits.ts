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

const refused = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

/**
 * Refuses abusive documents before they run: too deep, too many aliases, too many root fields,
 * or too costly (lists multiply what is selected below them). Fragments are followed.
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
          const first = firstArg?.value.kind === Kind.INT ? Number(firstArg.value.value) : 20;
          const isList =
            firstArg !== undefined || /s$|timeline|steps|rows|cells|edges/.test(field.name.value);
          cost += multiplier;
          if (field.selectionSet) {
            const inner = walk(
              field.selectionSet,
              depth + 1,
              multiplier * (isList ? Math.max(1, first) : 1),
              seen,
            );
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
