export * from './auth/roles.js';
export * from './auth/users.js';
export * from './auth/policy.js';
export * from './context.js';
export * from './limits/query-limits.js';
export * from './schema/type-defs.js';
export * from './schema/resolvers.js';
export * from './server.js';
