import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { AGENCIES } from '@hub/domain';
import { published } from '@hub/domain/testing';
import { eventually } from '@hub/kafka-bridge/testing';
import { startBridgeProcess, tempDataDir, type HubProcess } from '../support/hub-process';

interface SecureBroker {
  brokers: string;
  secure: {
    ca: string;
    caFile: string;
    access: (args: string[], password?: string) => string;
  };
  destroy: () => Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { launchBroker, javaAvailable } = require('../support/kafka-broker.cjs') as {
  launchBroker: (options: { secure: true }) => Promise<SecureBroker>;
  javaAvailable: () => boolean;
};

jest.setTimeout(300_000);
const canRun = Boolean(process.env.TEST_KAFKA_BROKERS) && javaAvailable();
const DEPLOY_KAFKA = join(__dirname, '../../deploy/kafka');

const TRANSFER = {
  origin: 'enforcement',
  toPoliceUnit: '310105',
  suspectedOffence: '伪造、变造、买卖国家机关证件罪',
  suspects: 1,
  fakeCertificates: 3,
};

/** Every `type` along an error and its causes (kafkajs wraps some errors in others). */
function errorTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) {
    if ('type' in e && typeof e.type === 'string') types.push(e.type);
    if (e.name) types.push(e.name);
  }
  return types;
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
});

(canRun ? describe : describe.skip)(
  `Kafka with SASL/SCRAM over TLS and ACLs, as deployed${canRun ? '' : ' (skipped: no Java to run a broker of its own)'}`,
  () => {
    let broker: SecureBroker;
    let dataDir: string;
    let hub: HubProcess;
    let hubOutput = '';
    const password = () => randomBytes(18).toString('base64url');
    const passwords = { hub: password(), emergency: password(), police: password() };

    const client = (username: string, secret: string) =>
      new Kafka({
        clientId: username,
        brokers: [broker.brokers],
        ssl: { ca: [broker.secure.ca] },
        sasl: { mechanism: 'scram-sha-512', username, password: secret },
        logLevel: logLevel.NOTHING,
        retry: { retries: 2, initialRetryTime: 200 },
      });
    const agency = (name: 'emergency' | 'police') => client(`agency-${name}`, passwords[name]);

    const send = async (kafka: Kafka, topic: string, value: string) => {
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: [{ value }] });
      } finally {
        await producer.disconnect();
      }
    };
    /**
     * Consumes a topic in a group until it has read a message; rejects with what the broker
     * refused on the way. (Reading, not only joining: kafkajs leaves sockets and timers behind
     * when a consumer is disconnected between joining its group and its first fetch.)
     */
    const read = async (kafka: Kafka, groupId: string, topic: string) => {
      const consumer = kafka.consumer({ groupId, retry: { retries: 0 } });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('neither refused nor read within 60 s')),
            60_000,
          );
          consumer.on(consumer.events.CRASH, ({ payload }) => {
            clearTimeout(timer);
            reject(payload.error);
          });
          consumer
            .run({
              eachMessage: async () => {
                clearTimeout(timer);
                resolve();
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
    };

    beforeAll(async () => {
      broker = await launchBroker({ secure: true });
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
      hub.child.stdout.on('data', (c: Buffer) => (hubOutput += c.toString()));
      hub.child.stderr.on('data', (c: Buffer) => (hubOutput += c.toString()));
      // Logged once the bridge, as User:hub, has made its topics and started both directions.
      await eventually(() => hubOutput.includes('kafka bridge started'), 120_000).catch(
        (error: unknown) => {
          throw new Error(`the bridge did not start; it said:\n${hubOutput.slice(-4000)}`, {
            cause: error,
          });
        },
      );
    }, 300_000);
    afterAll(async () => {
      hub?.child.kill('SIGKILL');
      await broker?.destroy();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('lets an agency publish on its own ingress topic, and the addressee read what the hub relays to its inbox', async () => {
      const transfer = published('ClueTransferred', { ...TRANSFER, clueId: 'CLUE-ACL-1' });
      await send(agency('emergency'), 'hub.ingress.emergency', JSON.stringify(transfer));

      const consumer = agency('police').consumer({ groupId: 'agency-police.inbox' });
      const received: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: ['hub.inbox.police'], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) =>
            void received.push(message.headers?.['hub-event-id']?.toString() ?? ''),
        });
        await eventually(() => received.includes(transfer.id), 120_000).catch((error: unknown) => {
          throw new Error(`not relayed; the hub said:\n${hubOutput.slice(-4000)}`, {
            cause: error,
          });
        });
      } finally {
        await consumer.disconnect();
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
        await failure(() => read(agency('emergency'), 'agency-emergency.peek', 'hub.inbox.police')),
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
      // The broker refuses FindCoordinator (GROUP_AUTHORIZATION_FAILED); kafkajs reports that
      // as a coordinator it could not find.
      expect(
        await failure(() =>
          read(agency('emergency'), 'agency-police.inbox', 'hub.inbox.emergency'),
        ),
      ).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/GROUP_AUTHORIZATION_FAILED|KafkaJSGroupCoordinatorNotFound/),
        ]),
      );
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

    it('refuses a client with a wrong password or none', async () => {
      const wrong = client('agency-emergency', passwords.police).producer();
      expect(await failure(() => wrong.connect())).toContain('KafkaJSSASLAuthenticationError');
      await wrong.disconnect();
      const anonymous = new Kafka({
        brokers: [broker.brokers],
        ssl: { ca: [broker.secure.ca] },
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      }).producer();
      // TLS and the API versions come before a login; the first real request ends the connection.
      await anonymous.connect();
      expect(
        await failure(() =>
          anonymous.send({ topic: 'hub.ingress.emergency', messages: [{ value: '{}' }] }),
        ),
      ).toContain('KafkaJSConnectionClosedError');
      await anonymous.disconnect();
    });

    it('never writes the hub’s Kafka password in its output', () => {
      expect(hubOutput.length).toBeGreaterThan(0);
      expect(hubOutput).not.toContain(passwords.hub);
    });
  },
);
