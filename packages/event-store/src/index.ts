export * from './types.js';
export * from './errors.js';
export * from './same-content.js';
export * from './chain.js';
export * from './reachable.js';
export * from './append-arrivals.js';
