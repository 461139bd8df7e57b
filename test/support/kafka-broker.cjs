// Runs a real Apache Kafka broker (KRaft, one combined broker+controller node on 127.0.0.1)
// from the jars that test/kafka/pom.xml fetches from Maven Central. Used by the test setup,
// the fault tests (stop/restart) and by hand:  node test/support/kafka-broker.cjs [fetch]
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const KAFKA_DIR = join(__dirname, '..', 'kafka');
const LIBS = join(KAFKA_DIR, 'libs');

function javaAvailable() {
  return spawnSync('java', ['-version']).status === 0;
}

/** Fetches the broker jars once (mvn dependency:copy-dependencies). */
function fetchJars() {
  if (existsSync(LIBS) && readdirSync(LIBS).some((f) => f.startsWith('kafka_2.13-'))) return;
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      'dependency:copy-dependencies',
      '-DoutputDirectory=libs',
      '-DincludeScope=runtime',
    ],
    { cwd: KAFKA_DIR, stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('mvn could not fetch the Kafka jars');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const java = (args, options = {}) =>
  spawnSync('java', ['-cp', `${LIBS}/*`, ...args], { encoding: 'utf8', ...options });

/**
 * Formats a fresh data directory and starts the broker. Returns { brokers, start, stop, dir }:
 * stop() kills the process (data kept), start() runs it again on the same ports and data.
 */
async function launchBroker() {
  fetchJars();
  const dir = mkdtempSync(join(tmpdir(), 'hub-kafka-'));
  const port = await freePort();
  const controllerPort = await freePort();
  const config = join(dir, 'server.properties');
  writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
    ].join('\n'),
  );
  const clusterId = java(['kafka.tools.StorageTool', 'random-uuid']).stdout.trim();
  const format = java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config]);
  if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);

  let child;
  const start = async () => {
    child = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx512m',
        `-Dlog4j.configuration=file:${join(KAFKA_DIR, 'log4j.properties')}`,
        '-cp',
        `${LIBS}/*`,
        'kafka.Kafka',
        config,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(port))) {
      if (child.exitCode !== null) throw new Error(`kafka exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`kafka did not open port ${port}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    brokers: `127.0.0.1:${port}`,
    dir,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { launchBroker, javaAvailable, fetchJars };

if (require.main === module) {
  if (process.argv[2] === 'fetch') {
    fetchJars();
  } else {
    launchBroker().then((b) => {
      process.stdout.write(`KAFKA_BROKERS=${b.brokers}\n(data in ${b.dir}; Ctrl-C stops it)\n`);
      process.on('SIGINT', () => b.destroy().then(() => process.exit(0)));
    });
  }
}
