export * from './vault.js';
export * from './match-key-bytes.js';
export * from './subject-keys.js';
export * from './memory-subject-keys.js';
export * from './postgres-subject-keys.js';
export * from './secret-file.js';
export type { CryptoSuite } from '@hub/crypto';
export type { MatchSecrets } from './match-secrets.js';
