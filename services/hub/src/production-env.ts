/**
 * Imported first by main.ts: libraries that read NODE_ENV when they load (graphql-js drops its
 * development-time checks, express its verbose errors) see the hub's default, production,
 * unless the environment says otherwise.
 */
process.env.NODE_ENV ??= 'production';
export {};
