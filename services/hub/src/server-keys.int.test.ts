import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '@hub/crypto';
import { openHubSigningKey } from './compose.js';
import { ConfigError, loadConfig, ServerKeyMissingError } from './config.js';

/** Server mode (DATABASE_URL): the keys every process shares come from the environment. */
describe('server-mode keys', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-server-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const server = { DATABASE_URL: 'postgres://hub@db:5432/hub' };
  const pii = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
  const jwt = Buffer.alloc(32, 9).toString('base64');
  const ed25519 = generateSigningKeyPair('ed25519');
  const signing = ed25519.privateKeyPem + ed25519.publicKeyPem;

  it('embedded defaults need none of them, as before', () => {
    const config = loadConfig({ HUB_DATA_DIR: dir });
    expect(config.HUB_SIGNING_KEY).toBeUndefined();
    // The embedded hub still makes its key file in the data directory.
    const key = openHubSigningKey(config);
    expect(existsSync(join(dir, 'hub-signing.key'))).toBe(true);
    expect(openHubSigningKey(config).keyId).toBe(key.keyId);
  });

  it('refuses to start without them, naming each missing variable, in Chinese and English', () => {
    const missingAll = () => loadConfig({ HUB_DATA_DIR: dir, ...server });
    expect(missingAll).toThrow(ServerKeyMissingError);
    expect(missingAll).toThrow(
      /服务器模式.*HUB_PII_KEY（或 HUB_PII_KEY_FILE）.*HUB_JWT_SECRET.*HUB_SIGNING_KEY/,
    );
    try {
      loadConfig({ HUB_DATA_DIR: dir, ...server, HUB_PII_KEY: pii });
      throw new Error('loaded without HUB_JWT_SECRET and HUB_SIGNING_KEY');
    } catch (error) {
      expect((error as ServerKeyMissingError).code).toBe('SERVER_KEY_MISSING');
      const message = (error as Error).message;
      expect(message).toMatch(/HUB_JWT_SECRET, HUB_SIGNING_KEY/);
      expect(message).not.toMatch(/HUB_PII_KEY/);
      // A secret never appears in the message.
      expect(message).not.toContain(pii.split(':')[1]);
    }
  });

  it('takes them from the environment or from files, and two processes with different data directories sign with one key', () => {
    const piiFile = join(dir, 'pii.secret');
    const signingFile = join(dir, 'signing.pem');
    writeFileSync(piiFile, `${pii}\n`);
    writeFileSync(signingFile, signing);
    const processes = ['a', 'b'].map((name) =>
      loadConfig({
        HUB_DATA_DIR: join(dir, name),
        ...server,
        HUB_PII_KEY_FILE: piiFile,
        HUB_JWT_SECRET: jwt,
        HUB_SIGNING_KEY_FILE: signingFile,
      }),
    );
    expect(processes[0]!.HUB_PII_KEY).toBe(pii);
    const keys = processes.map(openHubSigningKey);
    expect(keys[0]!.keyId).toBe(keys[1]!.keyId);
    expect(keys[0]!.publicKeyPem).toBe(ed25519.publicKeyPem);
    // Nothing was made per process.
    for (const name of ['a', 'b'])
      expect(existsSync(join(dir, name, 'hub-signing.key'))).toBe(false);
  });

  it('refuses a key given twice, an unreadable file, and a signing key of another suite', () => {
    const base = { HUB_DATA_DIR: dir, ...server, HUB_JWT_SECRET: jwt, HUB_SIGNING_KEY: signing };
    expect(() =>
      loadConfig({ ...base, HUB_PII_KEY: pii, HUB_PII_KEY_FILE: join(dir, 'x') }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, HUB_PII_KEY_FILE: join(dir, 'absent') })).toThrow(
      /HUB_PII_KEY_FILE=.* cannot be read/,
    );
    const national = loadConfig({ ...base, HUB_PII_KEY: pii, HUB_CRYPTO_SUITE: 'national' });
    expect(() => openHubSigningKey(national)).toThrow(/ed25519 key.*sm2/);
    // Positive control: the same key under its own suite opens.
    const international = loadConfig({ ...base, HUB_PII_KEY: pii });
    expect(openHubSigningKey(international).alg).toBe('ed25519');
  });
});
