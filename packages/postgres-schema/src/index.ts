export {
  migrate,
  openSchemaPool,
  schemaName,
  SchemaNameError,
  SchemaTooNewError,
  type Migrations,
  type SchemaPoolOptions,
} from './schema.js';
export { openPool } from './pool.js';
export { inTransaction } from './transaction.js';
