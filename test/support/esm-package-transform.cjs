// Jest runs the sources as CommonJS; @platformatic/kafka (the Kafka bridge's client) ships ES
// modules only, and reads import.meta.url. Its files are compiled the same way (swc), with
// import.meta.url given its CommonJS value. The built hub loads it natively as ESM.
const { createHash } = require('node:crypto');
const { createTransformer } = require('@swc/jest');

const VERSION = 'esm-package-transform 1';

const swc = createTransformer({
  jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } },
  module: { type: 'commonjs' },
});

module.exports = {
  getCacheKey(source, filename) {
    return createHash('sha256').update(VERSION).update(filename).update(source).digest('hex');
  },
  process(source, filename, options) {
    return swc.process(
      // (the module may name its own `require`, so no require() here)
      source.replaceAll('import.meta.url', '("file://" + encodeURI(__filename))'),
      filename,
      options,
    );
  },
};
