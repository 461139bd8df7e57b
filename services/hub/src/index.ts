export * from './config.js';
export * from './compose.js';
export * from './publish.js';
