import { digest, verify } from '@hub/crypto';
import type { Agency, BatchSignature } from '@hub/domain';
import { BATCH_DIGEST_OF, batchStatement, keyInForce, type AgencyKeyring } from '@hub/evidence';

/** Why a batch's signature was refused: HTTP 401 through the error table. */
export class SignatureRefusedError extends Error {
  constructor(
    readonly code: 'SIGNATURE_REQUIRED' | 'SIGNATURE_INVALID',
    message: string,
  ) {
    super(message);
  }
}

/** `Hub-Signature: keyId=<16 hex>, alg=<ed25519|sm2>, sig=<base64>` */
export function parseSignatureHeader(header: string): Omit<BatchSignature, 'batchDigest'> {
  const fields = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim()] as const;
    }),
  );
  const keyId = fields.get('keyid');
  const alg = fields.get('alg');
  const value = fields.get('sig');
  if (!keyId || !/^[0-9a-f]{16}$/.test(keyId) || (alg !== 'ed25519' && alg !== 'sm2') || !value)
    throw new SignatureRefusedError(
      'SIGNATURE_INVALID',
      'Hub-Signature 格式应为 keyId=<16 位十六进制>, alg=<ed25519|sm2>, sig=<base64> / Hub-Signature must read keyId=<16 hex>, alg=<ed25519|sm2>, sig=<base64>',
    );
  return { keyId, alg, value };
}

/**
 * Checks a batch's signature before anything of it is written: the key must be one the agency
 * registered and has not revoked, of the algorithm named, and the signature must verify over
 * the statement of the body's digest. Returns what is kept with each event.
 */
export async function verifyBatchSignature(
  keyring: AgencyKeyring,
  agency: Agency,
  header: string,
  body: Buffer,
): Promise<BatchSignature> {
  const claimed = parseSignatureHeader(header);
  const key = keyInForce(await keyring.keysOf(agency), claimed.keyId);
  if (!key)
    throw new SignatureRefusedError(
      'SIGNATURE_INVALID',
      `密钥 ${claimed.keyId} 不是 ${agency} 已登记且未吊销的签名密钥 / key ${claimed.keyId} is not a registered, unrevoked signing key of ${agency}`,
    );
  if (key.alg !== claimed.alg)
    throw new SignatureRefusedError(
      'SIGNATURE_INVALID',
      `密钥 ${key.keyId} 的算法是 ${key.alg}，不是 ${claimed.alg} / key ${key.keyId} is ${key.alg}, not ${claimed.alg}`,
    );
  const batchDigest = digest(BATCH_DIGEST_OF[key.alg], body).toString('hex');
  const valid = verify(
    key.alg,
    key.publicKeyPem,
    batchStatement(batchDigest),
    Buffer.from(claimed.value, 'base64'),
  );
  if (!valid)
    throw new SignatureRefusedError(
      'SIGNATURE_INVALID',
      `签名与请求体不符（已按 ${key.alg} 核验 hub-batch-v1 声明）/ the signature does not verify over this body (statement hub-batch-v1, ${BATCH_DIGEST_OF[key.alg]} digest ${batchDigest.slice(0, 16)}…)`,
    );
  return { ...claimed, batchDigest };
}

/** Whether configuration requires this agency to sign (HUB_SIGNATURES_REQUIRED). */
export const signaturesRequired = (required: readonly string[], agency: Agency) =>
  required.includes('all') || required.includes(agency);
