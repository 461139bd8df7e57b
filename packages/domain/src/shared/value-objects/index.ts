export * from './resident-id.js';
export * from './credit-code.js';
export * from './name.js';
export * from './person-name.js';
export * from './money.js';
export * from './count.js';
export * from './division-code.js';
export * from './division-names.js';
