// Emmett SQLite 0.42.4 resolved from this package's own node_modules (core 0.42.0), so that
// the bench can load it beside the 0.38.5 pair hoisted at the root.
module.exports = require('@event-driven-io/emmett-sqlite');
