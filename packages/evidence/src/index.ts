export * from './verify-chain.js';
