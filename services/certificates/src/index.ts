export * from './deterministic-id.js';
export * from './files/csv.js';
export * from './files/table-reader.js';
export * from './import/import-issuer-export.js';
export * from './screening/screen-roster.js';
export * from './record-events.js';
export * from './screening/screening-jobs.js';
export * from './http/certificates-router.js';
