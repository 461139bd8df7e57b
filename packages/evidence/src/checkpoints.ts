import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
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
  return parseHubSigningKey(pem, file);
}

/** The hub's signing key from PEM text (the private key, then the public key); `source` names it. */
export function parseHubSigningKey(pem: string, source: string): HubSigningKey {
  const privateKeyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(
    pem,
  )?.[0];
  const publicKeyPem = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----\n?/.exec(
    pem,
  )?.[0];
  if (!privateKeyPem || !publicKeyPem)
    throw new Error(`${source} does not hold the hub's private and public key in PEM`);
  // A key from the environment may have lost its last newline: the PEM served is the same text.
  const ended = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);
  return {
    alg: signatureAlgOfPem(publicKeyPem),
    keyId: keyIdOf(publicKeyPem),
    privateKeyPem: ended(privateKeyPem),
    publicKeyPem: ended(publicKeyPem),
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

/**
 * Where signed checkpoints are kept (hub state, never rebuilt): the evidence file of an embedded
 * hub, or PostgreSQL for processes on several machines. One contract suite holds both to this.
 */
export interface CheckpointStore {
  /** Keeps a checkpoint; the same one saved twice is kept once. */
  save(checkpoint: ChainCheckpoint): Promise<void>;
  /** Every checkpoint, oldest first (by count, then signing time). */
  list(): Promise<ChainCheckpoint[]>;
  /** The one furthest along, or undefined. */
  latest(): Promise<ChainCheckpoint | undefined>;
  close(): Promise<void>;
}
