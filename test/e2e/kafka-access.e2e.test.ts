import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENCIES } from '@hub/domain';
import { published } from '@hub/domain/testing';
import { PlatformaticKafka, type KafkaPort } from '@hub/kafka-bridge';
import { eventually } from '@hub/kafka-bridge/testing';
import { startBridgeProcess, tempDataDir, type HubProcess } from '../support/hub-process';

interface SecureBroker {
  brokers: string;
  version: string;
  secure: {
    ca: string;
    caFile: string;
    access: (args: string[], password?: string) => string;
  };
  destroy: () => Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { launchBroker, javaAvailable } = require('../support/kafka-broker.cjs') as {
  launchBroker: (options: { secure: true; line: '3' | '4' }) => Promise<SecureBroker>;
  javaAvailable: () => boolean;
};

jest.setTimeout(300_000);
const hasJava = javaAvailable();
const DEPLOY_KAFKA = join(__dirname, '../../deploy/kafka');
/** Both broker lines, each when the test run has Kafka at all (jest's global setup). */
const LINES = [
  {
    name: '4.x',
    line: '4',
    kafka: process.env.TEST_KAFKA_BROKERS,
    skip: process.env.TEST_KAFKA_SKIP,
  },
  {
    name: '3.9',
    line: '3',
    kafka: process.env.TEST_KAFKA3_BROKERS,
    skip: process.env.TEST_KAFKA3_SKIP,
  },
] as const;

const TRANSFER = {
  origin: 'enforcement',
  toPoliceUnit: '310105',
  suspectedOffence: '伪造、变造、买卖国家机关证件罪',
  suspects: 1,
  fakeCertificates: 3,
};

/**
 * What an error and everything under it says: the broker's error (`apiId`, e.g.
 * TOPIC_AUTHORIZATION_FAILED), the client's code and name, and each message. @platformatic/kafka
 * gathers the failures of its attempts (`errors`) and wraps causes (`cause`).
 */
function errorTypes(error: unknown, out: string[] = []): string[] {
  if (!(error instanceof Error)) return out;
  if ('apiId' in error && typeof error.apiId === 'string') out.push(error.apiId);
  if ('code' in error && typeof error.code === 'string') out.push(error.code);
  out.push(error.name, error.message);
  if (error instanceof AggregateError) for (const e of error.errors) errorTypes(e, out);
  errorTypes(error.cause, out);
  return out;
}

async function failure(attempt: () => Promise<unknown>): Promise<string[]> {
  try {
    await attempt();
  } catch (error) {
    return errorTypes(error);
  }
  throw new Error('the broker allowed it');
}

describe('deploy/kafka scripts', () => {
  it.each(['kafka-access.sh', 'make-dev-secrets.sh'])(
    '%s knows exactly the agencies of the domain',
    (script) => {
      const listed = /^AGENCIES=\(([^)]*)\)$/m.exec(
        readFileSync(join(DEPLOY_KAFKA, script), 'utf8'),
      )?.[1];
      expect(listed?.split(' ')).toEqual([...AGENCIES]);
    },
  );

  it('start-broker.sh: the node’s settings, then KAFKA_EXTRA_PROPERTIES, then security.properties, which wins', () => {
    // Stand-ins for the image's tools: the format's arguments and the final config are printed.
    const dir = mkdtempSync(join(tmpdir(), 'hub-start-broker-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'kafka-storage.sh'), 'printf "%s\\n" "$@" >"$FORMAT_ARGS"\n');
      writeFileSync(join(bin, 'kafka-server-start.sh'), 'cat "$1"\n');
      for (const tool of ['kafka-storage.sh', 'kafka-server-start.sh'])
        chmodSync(join(bin, tool), 0o755);
      writeFileSync(join(dir, 'admin-password'), 'admin-secret-0123456789');
      // One setting of the node's (replication) and one of security.properties.
      writeFileSync(
        join(dir, 'extra.properties'),
        'min.insync.replicas=1\nallow.everyone.if.no.acl.found=true',
      );
      const run = spawnSync('bash', [join(DEPLOY_KAFKA, 'start-broker.sh')], {
        encoding: 'utf8',
        env: {
          ...process.env,
          KAFKA_NODE_ID: '2',
          KAFKA_HOST: 'kafka2',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka1:19093,2@kafka2:19093',
          CLUSTER_ID: 'hub-kafka-cluster-0001',
          KAFKA_BIN: bin,
          KAFKA_SECRETS_DIR: dir,
          KAFKA_DATA_DIR: join(dir, 'data'),
          KAFKA_CLIENT_PORT: '19092',
          KAFKA_CONTROLLER_PORT: '19093',
          KAFKA_INTERNAL_PORT: '19094',
          KAFKA_EXTRA_PROPERTIES: join(dir, 'extra.properties'),
          FORMAT_ARGS: join(dir, 'format-args'),
          TMPDIR: dir,
        },
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      // As Kafka reads a properties file: the last value of a key wins.
      const config = new Map(
        run.stdout
          .split('\n')
          .filter((l) => /^[a-z]/.test(l))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
      );
      expect(config.get('listeners')).toBe('CLIENT://:19092,CONTROLLER://:19093,INTERNAL://:19094');
      expect(config.get('advertised.listeners')).toBe(
        'CLIENT://kafka2:19092,INTERNAL://kafka2:19094',
      );
      expect(config.get('node.id')).toBe('2');
      expect(config.get('min.insync.replicas')).toBe('1');
      expect(config.get('allow.everyone.if.no.acl.found')).toBe('false');
      expect(config.get('ssl.truststore.location')).toBe(join(dir, 'ca.pem'));
      expect(readFileSync(join(dir, 'format-args'), 'utf8').split('\n')).toEqual(
        expect.arrayContaining([
          '--ignore-formatted',
          'hub-kafka-cluster-0001',
          'SCRAM-SHA-512=[name=admin,password=admin-secret-0123456789]',
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(LINES)('Kafka $name', ({ line, kafka, skip }) => {
  const canRun = hasJava && Boolean(kafka);
  const why = hasJava
    ? (skip ?? 'the test run has no Kafka')
    : 'no Java to run a broker of its own';
  (canRun ? describe : describe.skip)(
    `with SASL/SCRAM over TLS and ACLs, as deployed${canRun ? '' : ` (skipped: ${why})`}`,
    () => {
      let broker: SecureBroker;
      let dataDir: string;
      let hub: HubProcess;
      /** All the hub printed, from its first line (the startup included). */
      const hubOutput = () => hub?.output() ?? '';
      const password = () => randomBytes(18).toString('base64url');
      const passwords = { hub: password(), emergency: password(), police: password() };

      /** An agency's own client: the bridge's port on @platformatic/kafka, which speaks 3.9 and 4.x. */
      const client = (username: string, secret?: string): KafkaPort =>
        new PlatformaticKafka({
          clientId: username,
          brokers: [broker.brokers],
          tls: { ca: broker.secure.ca },
          ...(secret === undefined
            ? {}
            : { sasl: { mechanism: 'SCRAM-SHA-512', username, password: secret } }),
          retries: 2,
          retryDelayMs: 200,
          maxWaitMs: 200,
        });
      const agency = (name: 'emergency' | 'police') => client(`agency-${name}`, passwords[name]);

      const send = async (kafka: KafkaPort, topic: string, value: string) => {
        const producer = await kafka.producer();
        try {
          await producer.send([{ topic, value }]);
        } finally {
          await producer.close();
        }
      };
      /**
       * Consumes a topic in a group until it has read a message; rejects with what the broker
       * refused on the way (joining, or a fetch: the consumer then ends through onFailure).
       */
      const read = async (kafka: KafkaPort, groupId: string, topic: string) => {
        let failed: (error: unknown) => void = () => undefined;
        let readOne: () => void = () => undefined;
        const outcome = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('neither refused nor read within 60 s')),
            60_000,
          );
          readOne = () => {
            clearTimeout(timer);
            resolve();
          };
          failed = (error) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          };
        });
        // Settled by consume() failing too: never left unhandled.
        outcome.catch(() => undefined);
        const consumer = await kafka
          .consume({
            groupId,
            topics: [topic],
            onBatches: async () => readOne(),
            onFailure: (error) => failed(error),
          })
          .catch((error: unknown) => (failed(error), undefined));
        try {
          await outcome;
        } finally {
          await consumer?.close();
        }
      };

      // Some twenty JVMs start on the way (secrets, tools, broker): slow on a busy machine.
      beforeAll(async () => {
        broker = await launchBroker({ secure: true, line });
        broker.secure.access(['hub'], passwords.hub);
        broker.secure.access(['agency', 'emergency'], passwords.emergency);
        broker.secure.access(['agency', 'police'], passwords.police);
        dataDir = tempDataDir();
        hub = await startBridgeProcess({
          HUB_DATA_DIR: dataDir,
          KAFKA_BROKERS: broker.brokers,
          KAFKA_SSL: 'true',
          KAFKA_SSL_CA_FILE: broker.secure.caFile,
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: 'hub',
          KAFKA_SASL_PASSWORD: passwords.hub,
          LOG_LEVEL: 'info',
        });
        // Logged once the bridge, as User:hub, has made its topics and started both directions.
        await eventually(() => hubOutput().includes('kafka bridge started'), 120_000).catch(
          (error: unknown) => {
            throw new Error(`the bridge did not start; it said:\n${hubOutput().slice(-4000)}`, {
              cause: error,
            });
          },
        );
      }, 600_000);
      afterAll(async () => {
        hub?.child.kill('SIGKILL');
        await broker?.destroy();
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      });

      it('runs the broker line it names', () => {
        expect(broker.version.split('.')[0]).toBe(line);
      });

      it('lets an agency publish on its own ingress topic, and the addressee read what the hub relays to its inbox', async () => {
        const transfer = published('ClueTransferred', { ...TRANSFER, clueId: 'CLUE-ACL-1' });
        await send(agency('emergency'), 'hub.ingress.emergency', JSON.stringify(transfer));

        const received: string[] = [];
        const consumer = await agency('police').consume({
          groupId: 'agency-police.inbox',
          topics: ['hub.inbox.police'],
          onBatches: async (batches) => {
            for (const batch of batches)
              for (const message of batch.messages)
                received.push(message.headers['hub-event-id'] ?? '');
          },
          onFailure: () => undefined,
        });
        try {
          await eventually(() => received.includes(transfer.id), 120_000).catch(
            (error: unknown) => {
              throw new Error(`not relayed; the hub said:\n${hubOutput().slice(-4000)}`, {
                cause: error,
              });
            },
          );
        } finally {
          await consumer.close();
        }
      });

      it('refuses an agency writing another agency’s ingress topic', async () => {
        const forged = published('ClueTransferred', { ...TRANSFER, clueId: 'CLUE-ACL-2' });
        expect(
          await failure(() =>
            send(agency('emergency'), 'hub.ingress.police', JSON.stringify(forged)),
          ),
        ).toContain('TOPIC_AUTHORIZATION_FAILED');
      });

      it('refuses an agency reading another agency’s inbox', async () => {
        expect(
          await failure(() =>
            read(agency('emergency'), 'agency-emergency.peek', 'hub.inbox.police'),
          ),
        ).toContain('TOPIC_AUTHORIZATION_FAILED');
      });

      it('refuses an agency a consumer group named for another agency, and allows its own', async () => {
        // The police file a case on the emergency bureau's clue: the hub relays it to that bureau.
        const filed = published('CaseFiled', {
          caseId: 'CASE-ACL-1',
          clueId: 'CLUE-ACL-1',
          transferringAgency: 'emergency',
          suspects: 1,
          offence: '伪造、变造、买卖国家机关证件罪',
        });
        await send(agency('police'), 'hub.ingress.police', JSON.stringify(filed));
        await read(agency('emergency'), 'agency-emergency.inbox', 'hub.inbox.emergency');
        // The broker refuses FindCoordinator for the group.
        expect(
          await failure(() =>
            read(agency('emergency'), 'agency-police.inbox', 'hub.inbox.emergency'),
          ),
        ).toContain('GROUP_AUTHORIZATION_FAILED');
      });

      it('refuses an agency writing any inbox or the dead-letter topic (forging the hub’s mail)', async () => {
        for (const topic of ['hub.inbox.police', 'hub.inbox.emergency', 'hub.ingress.dead-letter'])
          expect(await failure(() => send(agency('emergency'), topic, '{}'))).toContain(
            'TOPIC_AUTHORIZATION_FAILED',
          );
      });

      it('refuses an agency reading the ingress topics, its own included, and the dead-letter topic', async () => {
        // Something to read in each: the hub dead-letters these (they are not events).
        await send(agency('police'), 'hub.ingress.police', '{"not":"an event"}');
        await send(agency('emergency'), 'hub.ingress.emergency', '{"not":"an event"}');
        for (const topic of [
          'hub.ingress.police',
          'hub.ingress.emergency',
          'hub.ingress.dead-letter',
        ])
          expect(
            await failure(() => read(agency('emergency'), 'agency-emergency.peek', topic)),
          ).toContain('TOPIC_AUTHORIZATION_FAILED');
      });

      it('refuses a client with a wrong password or none, and lets the same client in with its own', async () => {
        // Asked for its own topic's end offsets (no group, nothing written): the broker answers
        // only a client that logged in. (A producer would not say why: @platformatic/kafka's
        // idempotent producer retries a failed login until the port's send times out.)
        const ownEnd = (secret?: string) =>
          client('agency-emergency', secret).endOffsets('hub.ingress.emergency');
        expect(await failure(() => ownEnd(passwords.police))).toContain(
          'SASL_AUTHENTICATION_FAILED',
        );
        // TLS and the API versions come before a login; the first real request ends the connection.
        const anonymous = await failure(() => ownEnd());
        expect(anonymous).toContain('Connection closed');
        expect(anonymous).not.toContain('SASL_AUTHENTICATION_FAILED');
        expect((await ownEnd(passwords.emergency)).size).toBeGreaterThan(0);
      });

      it('never writes the hub’s Kafka password in its output', () => {
        expect(hubOutput().length).toBeGreaterThan(0);
        expect(hubOutput()).not.toContain(passwords.hub);
      });
    },
  );
});
