/**
 * GraphQL lets a client send `null` for any optional argument (`after: null` on a first
 * page is what many clients send). The resolvers treat an argument that is not given as
 * absent (`undefined`), so nulls are taken out at the edge, in input objects too, once for
 * every root field instead of in each resolver.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

type Resolver = (parent: unknown, args: never, context: never, info: never) => unknown;

/** The same root fields, each called with its null arguments left out. */
export function omittingNullArguments<T extends Record<string, Resolver>>(fields: T): T {
  const wrapped: Record<string, Resolver> = {};
  for (const [name, resolve] of Object.entries(fields))
    wrapped[name] = (parent, args, context, info) =>
      resolve(parent, withoutNulls(args) as never, context, info);
  return wrapped as T;
}
