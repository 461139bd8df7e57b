import { createHash, randomBytes } from 'node:crypto';
import type { Agency } from '@hub/domain';

export interface Credential {
  tokenId: string;
  agency: Agency;
  /** Division codes the system publishes and reads for (`000000`: the whole country). */
  units: string[];
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Agency credentials; only a hash of each token is ever stored. */
export interface CredentialStore {
  create(
    agency: Agency,
    label: string,
    units: readonly string[],
  ): Promise<{ credential: Credential; token: string }>;
  /** The live credential a token belongs to, or undefined (unknown or revoked). */
  verify(token: string): Promise<Credential | undefined>;
  revoke(tokenId: string): Promise<boolean>;
  list(): Promise<Credential[]>;
  close(): Promise<void>;
}

/** Tokens carry 256 random bits, so a plain SHA-256 is enough to store them (no slow KDF needed). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token: readable prefix naming the agency, then the secret. */
export function newToken(agency: Agency): { token: string; tokenId: string } {
  const token = `hub_${agency}_${randomBytes(32).toString('base64url')}`;
  return { token, tokenId: hashToken(token).slice(0, 12) };
}
