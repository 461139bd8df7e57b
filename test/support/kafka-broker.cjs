// Runs a real Apache Kafka broker (KRaft, one combined broker+controller node on 127.0.0.1)
// from the jars that test/kafka/pom.xml fetches from Maven Central. Used by the test setup,
// the fault tests (stop/restart) and by hand:  node test/support/kafka-broker.cjs [fetch|secure] [3|4]
// Plain by default; { secure: true } runs it as deploy/ does: SASL over TLS with ACLs.
// { line: '4' } (the default) runs the current 4.x line, { line: '3' } Kafka 3.9.
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
/** The broker lines the tests run, by the test/kafka/pom.xml profile that fetches each. */
const LINES = {
  4: { profile: 'kafka4', version: '4.4.0' },
  3: { profile: 'kafka3', version: '3.9.1' },
};
const libsOf = (line) => join(KAFKA_DIR, 'libs', String(line));
const DEPLOY_KAFKA = join(__dirname, '..', '..', 'deploy', 'kafka');

function javaAvailable() {
  return spawnSync('java', ['-version']).status === 0;
}

/** Fetches a line's broker jars once (mvn dependency:copy-dependencies). */
function fetchJars(line = '4') {
  const { profile, version } = LINES[line];
  const libs = libsOf(line);
  if (existsSync(libs) && readdirSync(libs).includes(`kafka_2.13-${version}.jar`)) return;
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

const java = (line, args, options = {}) =>
  spawnSync('java', [loggingOf(line), '-cp', `${libsOf(line)}/*`, ...args], {
    encoding: 'utf8',
    ...options,
  });

/** Settings every test broker has, whatever its listeners. */
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

/**
 * The deployment's security settings (deploy/kafka/security.properties) with the secrets that
 * deploy/kafka/make-dev-secrets.sh makes, in `dir/secrets` instead of /etc/kafka/secrets. SCRAM
 * users and ACLs are made with deploy/kafka/kafka-access.sh, through two-line stand-ins for
 * kafka-configs.sh and kafka-acls.sh.
 */
function secureSetup(line, dir, port, internalPort, controllerPort) {
  if (line !== '3')
    throw new Error('the secured test broker runs Kafka 3.9 (its ACL tools are kafka.admin.*)');
  const made = spawnSync(
    'bash',
    [join(DEPLOY_KAFKA, 'make-dev-secrets.sh'), join(dir, 'secrets'), 'ip:127.0.0.1'],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`make-dev-secrets.sh failed: ${made.stderr}`);
  const secrets = join(dir, 'secrets', 'broker');
  const security = readFileSync(join(DEPLOY_KAFKA, 'security.properties'), 'utf8').replaceAll(
    '/etc/kafka/secrets',
    secrets,
  );
  const adminPassword = readFileSync(join(secrets, 'admin-password'), 'utf8');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [script, main] of [
    ['kafka-configs.sh', 'kafka.admin.ConfigCommand'],
    ['kafka-acls.sh', 'kafka.admin.AclCommand'],
  ]) {
    writeFileSync(
      join(bin, script),
      `#!/bin/sh\nexec java ${loggingOf(line)} -cp '${libsOf(line)}/*' ${main} "$@"\n`,
    );
    chmodSync(join(bin, script), 0o755);
  }
  const accessEnv = {
    KAFKA_BOOTSTRAP_SERVER: `127.0.0.1:${port}`,
    KAFKA_SECRETS_DIR: secrets,
    KAFKA_BIN: bin,
  };
  return {
    lines: [
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=CLIENT://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=CLIENT://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort}`,
      security,
    ],
    formatArgs: ['--add-scram', `SCRAM-SHA-512=[name=admin,password=${adminPassword}]`],
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

/**
 * Formats a fresh data directory and starts the broker. Returns { brokers, start, stop, dir }
 * (and `secure` with the CA and kafka-access.sh when secured): stop() kills the process (data
 * kept), start() runs it again on the same ports and data.
 */
async function launchBroker(options = {}) {
  const line = String(options.line ?? (options.secure ? '3' : '4'));
  if (!LINES[line]) throw new Error(`no Kafka line ${line}: 3 or 4`);
  fetchJars(line);
  const dir = mkdtempSync(join(tmpdir(), 'hub-kafka-'));
  const port = await freePort();
  const controllerPort = await freePort();
  const setup = options.secure
    ? secureSetup(line, dir, port, await freePort(), controllerPort)
    : {
        lines: [
          `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
          `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
          `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
          'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        ],
        formatArgs: [],
      };
  const config = join(dir, 'server.properties');
  writeFileSync(config, [...COMMON(dir), ...setup.lines].join('\n'));
  const clusterId = java(line, ['kafka.tools.StorageTool', 'random-uuid']).stdout.trim();
  const format = java(line, [
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    config,
    ...setup.formatArgs,
  ]);
  if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);

  let child;
  const start = async () => {
    child = spawn(
      'java',
      ['-Xms256m', '-Xmx512m', loggingOf(line), '-cp', `${libsOf(line)}/*`, 'kafka.Kafka', config],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(port))) {
      if (child.exitCode !== null) throw new Error(`kafka exited: ${stderr}`);
      if (Date.now() > deadline) {
        // A broker that is merely slow would otherwise outlive the test run that gave up on it.
        child.kill('SIGKILL');
        throw new Error(`kafka did not open port ${port} within 60 s: ${stderr}`);
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
