// Measure what the hub runs: production mode for the libraries that read NODE_ENV at load.
import './production-env.js';
import { certificatesSuite } from './certificates-suite.js';
import { consoleSuite } from './console-suite.js';
import { graphqlSuite } from './graphql-suite.js';
import { httpSuite } from './http-suite.js';
import { kafkaSuite } from './kafka-suite.js';
import { projectionsSuite } from './projections-suite.js';
import { storeSuite } from './store-suite.js';

const SUITES: Record<string, () => Promise<void>> = {
  store: storeSuite,
  http: httpSuite,
  kafka: kafkaSuite,
  projections: projectionsSuite,
  certificates: certificatesSuite,
  graphql: graphqlSuite,
  // Its peer (Emmett PostgreSQL 0.42) needs an Emmett of its own: a workspace apart.
  postgres: () => import('@hub/bench-postgres').then((m) => m.postgresSuite()),
  console: consoleSuite,
};

const requested = process.argv.slice(2);
const unknown = requested.filter((s) => !SUITES[s]);
if (unknown.length > 0) {
  process.stderr.write(
    `unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}\n`,
  );
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(SUITES)) await SUITES[name]!();
