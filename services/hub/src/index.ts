export * from './config.js';
export * from './compose.js';
