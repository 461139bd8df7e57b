export * from './vault.js';
export * from './match-key-bytes.js';
export * from './secret-file.js';
