import { agencyKeyStream, type Agency } from '@hub/domain';
import { keyIdOf, type HashAlg, type SignatureAlg } from '@hub/crypto';
import type { EventStore, RecordedEvent } from '@hub/event-store';

/** One key of an agency as its stream tells it: when it was registered and, maybe, revoked. */
export interface AgencyKey {
  agency: Agency;
  keyId: string;
  alg: SignatureAlg;
  publicKeyPem: string;
  label?: string;
  registeredAt: bigint;
  revokedAt?: bigint;
}

/**
 * An agency's keys from its `agency-keys-<agency>` stream, in order. Pure over the events, so
 * the publish route and `hub verify` (which replays the whole history) read keys the same way.
 */
export function keysFromEvents(events: readonly RecordedEvent[]): AgencyKey[] {
  const keys = new Map<string, AgencyKey>();
  for (const e of events) {
    if (e.type === 'AgencyKeyRegistered') {
      const d = e.data as {
        agency: Agency;
        alg: SignatureAlg;
        publicKeyPem: string;
        label?: string;
      };
      const keyId = keyIdOf(d.publicKeyPem);
      if (!keys.has(keyId))
        keys.set(keyId, {
          agency: d.agency,
          keyId,
          alg: d.alg,
          publicKeyPem: d.publicKeyPem,
          ...(d.label ? { label: d.label } : {}),
          registeredAt: e.position,
        });
    } else if (e.type === 'AgencyKeyRevoked') {
      const d = e.data as { keyId: string };
      const key = keys.get(d.keyId);
      if (key && key.revokedAt === undefined) key.revokedAt = e.position;
    }
  }
  return [...keys.values()];
}

/** The key an agency's signature names, if it was in force at `position` (or now). */
export function keyInForce(
  keys: readonly AgencyKey[],
  keyId: string,
  position?: bigint,
): AgencyKey | undefined {
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) return undefined;
  if (position !== undefined && key.registeredAt >= position) return undefined;
  if (key.revokedAt !== undefined && (position === undefined || key.revokedAt < position))
    return undefined;
  return key;
}

/**
 * The agencies' registered keys, read from their streams. Remembered for a second: a key
 * registered or revoked through another process counts within that time, and a revocation
 * through this process at once (forget()).
 */
export class AgencyKeyring {
  private readonly cache = new Map<Agency, { keys: AgencyKey[]; until: number }>();

  constructor(
    private readonly store: EventStore,
    private readonly ttlMs = 1000,
  ) {}

  async keysOf(agency: Agency): Promise<AgencyKey[]> {
    const cached = this.cache.get(agency);
    if (cached && cached.until > Date.now()) return cached.keys;
    const keys = keysFromEvents(await this.store.readStream(agencyKeyStream(agency)));
    this.cache.set(agency, { keys, until: Date.now() + this.ttlMs });
    return keys;
  }

  forget(agency: Agency): void {
    this.cache.delete(agency);
  }
}

/** The hash of the batch body a signature covers: SHA-256 with Ed25519 keys, SM3 with SM2 keys. */
export const BATCH_DIGEST_OF: Record<SignatureAlg, HashAlg> = { ed25519: 'sha256', sm2: 'sm3' };

/**
 * The statement an agency signs for a batch, the same in every language:
 * `hub-batch-v1` LF <hex digest of the request body's bytes (uncompressed JSON)>.
 */
export const batchStatement = (batchDigest: string) => `hub-batch-v1\n${batchDigest}`;
