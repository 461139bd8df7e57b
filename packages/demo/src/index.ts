export * from './campaign.js';
export * from './identities.js';
export * from './random.js';
