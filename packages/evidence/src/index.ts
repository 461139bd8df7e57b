export * from './verify-chain.js';
export * from './checkpoints.js';
export * from './notary.js';
export * from './agency-keys.js';
export * from './verify-signatures.js';
export * from './sqlite-checkpoint-store.js';
export * from './postgres-checkpoint-store.js';
