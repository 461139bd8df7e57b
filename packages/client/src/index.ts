export * from './client.js';
export * from './errors.js';
export * from './generated/event-types.js';
