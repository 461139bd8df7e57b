export * from './verify-chain.js';
export * from './checkpoints.js';
export * from './notary.js';
