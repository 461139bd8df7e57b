export * from './export/grid.js';
export * from './export/csv.js';
export * from './export/xlsx.js';
export * from './export/json.js';
export * from './http/reporting-router.js';
export * from './metrics.js';
export * from './http/response-schemas.js';
