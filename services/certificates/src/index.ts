export * from './deterministic-id.js';
export * from './files/csv.js';
export * from './files/table-reader.js';
export * from './import/import-issuer-export.js';
export * from './screening/screen-roster.js';
