import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  generateSigningKeyPair,
  keyIdOf,
  sign,
  signatureAlgOfPem,
  verify,
  type SignatureAlg,
} from '@hub/crypto';

/**
 * A signed statement of how far the history went: the number of records, the last position and
 * the chain's head there, signed with the hub's own key. Agencies keep these small files; a
 * history rewritten later no longer leads to the head they hold, and one cut short no longer
 * reaches their position.
 */
export interface ChainCheckpoint {
  format: 'hub-chain-checkpoint-v1';
  position: string;
  count: number;
  head: string;
  signedAt: string;
  hub: { keyId: string; alg: SignatureAlg; publicKeyPem: string };
  /** base64 of the signature over checkpointMessage(). */
  signature: string;
}

/** The exact text signed: one field a line, so any language can rebuild and check it. */
export function checkpointMessage(
  c: Pick<ChainCheckpoint, 'position' | 'count' | 'head' | 'signedAt'>,
): string {
  return `hub-chain-checkpoint-v1\n${c.position}\n${c.count}\n${c.head}\n${c.signedAt}`;
}

/** The hub's own signing key (Ed25519 or SM2), kept as PEM. */
export interface HubSigningKey {
  alg: SignatureAlg;
  keyId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * The hub's signing key from its file, made on first use (exclusive create, mode 0600: two
 * processes starting at once cannot end up with two keys).
 */
export function loadOrCreateHubSigningKey(file: string, alg: SignatureAlg): HubSigningKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    const pair = generateSigningKeyPair(alg);
    try {
      writeFileSync(file, pair.privateKeyPem + pair.publicKeyPem, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (raced) {
      if ((raced as { code?: string }).code !== 'EEXIST') throw raced;
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKeyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(
    pem,
  )?.[0];
  const publicKeyPem = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----\n?/.exec(
    pem,
  )?.[0];
  if (!privateKeyPem || !publicKeyPem)
    throw new Error(`${file} does not hold the hub's private and public key in PEM`);
  return {
    alg: signatureAlgOfPem(publicKeyPem),
    keyId: keyIdOf(publicKeyPem),
    privateKeyPem,
    publicKeyPem,
  };
}

export function signCheckpoint(
  key: HubSigningKey,
  head: { position: bigint; count: number; link: string },
  at: Date,
): ChainCheckpoint {
  const body = {
    position: head.position.toString(),
    count: head.count,
    head: head.link,
    signedAt: at.toISOString(),
  };
  return {
    format: 'hub-chain-checkpoint-v1',
    ...body,
    hub: { keyId: key.keyId, alg: key.alg, publicKeyPem: key.publicKeyPem },
    signature: sign(key.alg, key.privateKeyPem, checkpointMessage(body)).toString('base64'),
  };
}

/**
 * Why a checkpoint cannot be trusted, or undefined: its signature must verify, and with the
 * hub key the verifier trusts (not just the key the file names).
 */
export function checkpointProblem(
  c: ChainCheckpoint,
  trustedPublicKeyPem: string | undefined,
): string | undefined {
  if (c.format !== 'hub-chain-checkpoint-v1')
    return `unknown checkpoint format ${String(c.format)}`;
  if (trustedPublicKeyPem && keyIdOf(trustedPublicKeyPem) !== c.hub.keyId)
    return `签名密钥 ${c.hub.keyId} 不是受信任的平台密钥 / signed by key ${c.hub.keyId}, not the trusted hub key ${keyIdOf(trustedPublicKeyPem)}`;
  const valid = verify(
    c.hub.alg,
    c.hub.publicKeyPem,
    checkpointMessage(c),
    Buffer.from(c.signature, 'base64'),
  );
  return valid ? undefined : '检查点签名无效 / the checkpoint signature does not verify';
}

/** Signed checkpoints, kept in the hub's evidence file (hub state, never rebuilt). */
export class CheckpointStore {
  private readonly db: Database.Database;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS chain_checkpoints (
      position TEXT NOT NULL, count INTEGER NOT NULL, head TEXT NOT NULL, signed_at TEXT NOT NULL,
      document TEXT NOT NULL, PRIMARY KEY (position, signed_at))`);
  }

  save(checkpoint: ChainCheckpoint): void {
    this.db
      .prepare('INSERT OR IGNORE INTO chain_checkpoints VALUES (?, ?, ?, ?, ?)')
      .run(
        checkpoint.position,
        checkpoint.count,
        checkpoint.head,
        checkpoint.signedAt,
        JSON.stringify(checkpoint),
      );
  }

  list(): ChainCheckpoint[] {
    return this.db
      .prepare<[], { document: string }>(
        'SELECT document FROM chain_checkpoints ORDER BY count, signed_at',
      )
      .all()
      .map((r) => JSON.parse(r.document) as ChainCheckpoint);
  }

  latest(): ChainCheckpoint | undefined {
    const row = this.db
      .prepare<[], { document: string }>(
        'SELECT document FROM chain_checkpoints ORDER BY count DESC, signed_at DESC LIMIT 1',
      )
      .get();
    return row ? (JSON.parse(row.document) as ChainCheckpoint) : undefined;
  }

  close(): void {
    this.db.close();
  }
}
