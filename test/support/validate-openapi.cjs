// Validates an OpenAPI document with @seriousme/openapi-schema-validator (ESM only, so it runs
// as its own process from Jest) and prints { valid, version, errors } as JSON.
void (async () => {
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const validator = new Validator();
  const result = await validator.validate(process.argv[2]);
  process.stdout.write(
    JSON.stringify({
      valid: result.valid,
      version: validator.version,
      errors: result.errors ?? [],
    }),
  );
})();
