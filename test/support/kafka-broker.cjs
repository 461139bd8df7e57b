// Runs a real Apache Kafka broker (KRaft, one combined broker+controller node on 127.0.0.1)
// from the jars that test/kafka/pom.xml fetches from Maven Central. Used by the test setup,
// the fault tests (stop/restart) and by hand:  node test/support/kafka-broker.cjs [fetch|secure] [3|4]
// Plain by default; { secure: true } runs it as deploy/ does, through deploy/kafka/start-broker.sh:
// SASL over TLS with ACLs. { line: '4' } (the default) runs the current 4.x line, { line: '3' }
// Kafka 3.9.
const { spawn, spawnSync } = require('node:child_process');
const {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const KAFKA_DIR = join(__dirname, '..', 'kafka');
/**
 * The broker lines the tests run, by the test/kafka/pom.xml profile that fetches each; `jars`
 * are what a complete fetch holds, `tools` the package of AclCommand and ConfigCommand (what
 * kafka-acls.sh and kafka-configs.sh run: Kafka 4 moved them out of the broker into kafka-tools).
 */
const LINES = {
  4: {
    profile: 'kafka4',
    version: '4.4.0',
    jars: ['kafka_2.13-4.4.0.jar', 'kafka-tools-4.4.0.jar'],
    tools: 'org.apache.kafka.tools',
  },
  3: {
    profile: 'kafka3',
    version: '3.9.1',
    jars: ['kafka_2.13-3.9.1.jar'],
    tools: 'kafka.admin',
  },
};
const libsOf = (line) => join(KAFKA_DIR, 'libs', String(line));
const DEPLOY_KAFKA = join(__dirname, '..', '..', 'deploy', 'kafka');

function javaAvailable() {
  return spawnSync('java', ['-version']).status === 0;
}

/** Fetches a line's broker jars once (mvn dependency:copy-dependencies). */
function fetchJars(line = '4') {
  const { profile, version, jars } = LINES[line];
  const libs = libsOf(line);
  if (existsSync(libs) && jars.every((jar) => readdirSync(libs).includes(jar))) return;
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-P',
      profile,
      'dependency:copy-dependencies',
      `-DoutputDirectory=libs/${line}`,
      '-DincludeScope=runtime',
    ],
    { cwd: KAFKA_DIR, stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error(`mvn could not fetch the Kafka ${version} jars`);
}

/** The JVM's logging settings: Kafka 4 logs through log4j2, 3.9 through reload4j. */
const loggingOf = (line) =>
  line === '3'
    ? `-Dlog4j.configuration=file:${join(KAFKA_DIR, 'log4j.properties')}`
    : `-Dlog4j2.configurationFile=${join(KAFKA_DIR, 'log4j2.properties')}`;

/**
 * `count` distinct free ports. Each is held open until all are known: asked for one at a time,
 * a port just closed can come back at once, and the broker refused two listeners on one port.
 */
async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const java = (line, args, options = {}) =>
  spawnSync('java', [loggingOf(line), '-cp', `${libsOf(line)}/*`, ...args], {
    encoding: 'utf8',
    ...options,
  });

/** Settings of the plain test broker, whatever its listeners. */
const COMMON = (dir) => [
  'process.roles=broker,controller',
  'node.id=1',
  'controller.listener.names=CONTROLLER',
  `log.dirs=${join(dir, 'data')}`,
  'num.partitions=3',
  'offsets.topic.replication.factor=1',
  'transaction.state.log.replication.factor=1',
  'transaction.state.log.min.isr=1',
  'group.initial.rebalance.delay.ms=0',
  'auto.create.topics.enable=false',
];

/** Settings of the single-node secured broker that differ from a production node's. */
const SINGLE_NODE = [
  'default.replication.factor=1',
  'min.insync.replicas=1',
  'offsets.topic.replication.factor=1',
  'transaction.state.log.replication.factor=1',
  'transaction.state.log.min.isr=1',
  'num.partitions=3',
  'group.initial.rebalance.delay.ms=0',
];

/**
 * The broker as deployed: deploy/kafka/start-broker.sh (format with User:admin's SCRAM
 * credentials, then the node's settings and security.properties) with the secrets that
 * deploy/kafka/make-dev-secrets.sh makes, in `dir/secrets` instead of /etc/kafka/secrets. The
 * scripts run this line's jars through two-line stand-ins for the kafka-*.sh of its image;
 * SCRAM users and ACLs are made with deploy/kafka/kafka-access.sh.
 */
function secureSetup(line, dir, port, internalPort, controllerPort, clusterId) {
  const made = spawnSync(
    'bash',
    [join(DEPLOY_KAFKA, 'make-dev-secrets.sh'), join(dir, 'secrets'), 'ip:127.0.0.1'],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`make-dev-secrets.sh failed: ${made.stderr}`);
  const secrets = join(dir, 'secrets', 'broker');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const { tools } = LINES[line];
  // The tools run for a second or two each, a dozen of them per broker: the quick-starting
  // compiler and collector spend less CPU on that than the server defaults.
  const tool = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
  for (const [script, main, jvm] of [
    ['kafka-storage.sh', 'kafka.tools.StorageTool', tool],
    ['kafka-server-start.sh', 'kafka.Kafka', '-Xms256m -Xmx512m'],
    ['kafka-configs.sh', `${tools}.ConfigCommand`, tool],
    ['kafka-acls.sh', `${tools}.AclCommand`, tool],
  ]) {
    writeFileSync(
      join(bin, script),
      `#!/bin/sh\nexec java ${jvm} ${loggingOf(line)} -cp '${libsOf(line)}/*' ${main} "$@"\n`,
    );
    chmodSync(join(bin, script), 0o755);
  }
  const extra = join(dir, 'single-node.properties');
  writeFileSync(
    extra,
    [
      ...SINGLE_NODE,
      // start-broker.sh's listeners, bound to loopback only (a node listens on every address).
      `listeners=CLIENT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},INTERNAL://127.0.0.1:${internalPort}`,
    ].join('\n'),
  );
  const accessEnv = {
    KAFKA_BOOTSTRAP_SERVER: `127.0.0.1:${port}`,
    KAFKA_SECRETS_DIR: secrets,
    KAFKA_BIN: bin,
  };
  return {
    command: ['bash', [join(DEPLOY_KAFKA, 'start-broker.sh')]],
    env: {
      ...process.env,
      KAFKA_NODE_ID: '1',
      KAFKA_HOST: '127.0.0.1',
      KAFKA_CONTROLLER_QUORUM_VOTERS: `1@127.0.0.1:${controllerPort}`,
      CLUSTER_ID: clusterId,
      KAFKA_SECRETS_DIR: secrets,
      KAFKA_DATA_DIR: join(dir, 'data'),
      KAFKA_BIN: bin,
      KAFKA_CLIENT_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_INTERNAL_PORT: String(internalPort),
      KAFKA_EXTRA_PROPERTIES: extra,
      // start-broker.sh writes its server.properties under mktemp: here, removed with the rest.
      TMPDIR: dir,
    },
    secure: {
      ca: readFileSync(join(secrets, 'ca.pem'), 'utf8'),
      caFile: join(secrets, 'ca.pem'),
      accessEnv,
      /** Runs deploy/kafka/kafka-access.sh with these arguments, the password on stdin. */
      access(args, password = '') {
        const r = spawnSync('bash', [join(DEPLOY_KAFKA, 'kafka-access.sh'), ...args], {
          input: `${password}\n`,
          encoding: 'utf8',
          env: { ...process.env, ...accessEnv },
        });
        if (r.status !== 0)
          throw new Error(`kafka-access.sh ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
        return r.stdout;
      },
    },
  };
}

/** A plain broker: one PLAINTEXT listener, its data directory formatted here. */
function plainSetup(line, dir, port, controllerPort, clusterId) {
  const config = join(dir, 'server.properties');
  writeFileSync(
    config,
    [
      ...COMMON(dir),
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    ].join('\n'),
  );
  const format = java(line, ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config]);
  if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);
  return {
    command: [
      'java',
      ['-Xms256m', '-Xmx512m', loggingOf(line), '-cp', `${libsOf(line)}/*`, 'kafka.Kafka', config],
    ],
    env: process.env,
  };
}

/**
 * Formats a fresh data directory and starts the broker. Returns { brokers, start, stop, dir }
 * (and `secure` with the CA and kafka-access.sh when secured): stop() kills the process (data
 * kept), start() runs it again on the same ports and data.
 */
async function launchBroker(options = {}) {
  const line = String(options.line ?? '4');
  if (!LINES[line]) throw new Error(`no Kafka line ${line}: 3 or 4`);
  fetchJars(line);
  const dir = mkdtempSync(join(tmpdir(), 'hub-kafka-'));
  const [port, controllerPort, internalPort] = await freePorts(3);
  const clusterId = java(line, ['kafka.tools.StorageTool', 'random-uuid']).stdout.trim();
  const setup = options.secure
    ? secureSetup(line, dir, port, internalPort, controllerPort, clusterId)
    : plainSetup(line, dir, port, controllerPort, clusterId);

  let child;
  const start = async () => {
    // start-broker.sh ends in `exec`: the process killed by stop() is the broker itself.
    child = spawn(setup.command[0], setup.command[1], {
      env: setup.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    // Generous: a JVM or two starting on a machine busy with other tests (the secured broker
    // formats its storage first, as start-broker.sh does on every start).
    const deadline = Date.now() + 120_000;
    while (!(await portOpen(port))) {
      if (child.exitCode !== null) throw new Error(`kafka exited: ${stderr}`);
      if (Date.now() > deadline) {
        // A broker that is merely slow would otherwise outlive the test run that gave up on it.
        child.kill('SIGKILL');
        throw new Error(`kafka did not open port ${port} within 120 s: ${stderr}`);
      }
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
    version: LINES[line].version,
    dir,
    ...(setup.secure ? { secure: setup.secure } : {}),
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
  const args = process.argv.slice(2);
  const line = args.find((a) => a in LINES);
  if (args.includes('fetch')) {
    for (const l of line ? [line] : Object.keys(LINES)) fetchJars(l);
  } else {
    launchBroker({ secure: args.includes('secure'), ...(line ? { line } : {}) }).then((b) => {
      process.stdout.write(
        `KAFKA_BROKERS=${b.brokers}\n(Kafka ${b.version}, KRaft; data in ${b.dir}; Ctrl-C stops it)\n`,
      );
      if (b.secure)
        process.stdout.write(
          `SASL_SSL with SCRAM-SHA-512, CA ${b.secure.caFile}; users and ACLs: ${Object.entries(
            b.secure.accessEnv,
          )
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')} deploy/kafka/kafka-access.sh …\n`,
        );
      process.on('SIGINT', () => b.destroy().then(() => process.exit(0)));
    });
  }
}
