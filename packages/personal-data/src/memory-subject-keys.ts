import { randomBytes } from 'node:crypto';
import { sealingKey, type SealingKey } from '@hub/crypto';
import {
  changedError,
  SubjectKeyDestroyedError,
  type RewrapReport,
  type SubjectKeyStore,
  type SupersededKey,
} from './subject-keys.js';
import type { MatchSecrets } from './match-secrets.js';

/** Subject keys held in memory only: for tests and one-off tools that record nothing. */
export class MemorySubjectKeyStore implements SubjectKeyStore {
  private readonly keys = new Map<string, { subject: string; key: SealingKey | undefined }>();
  private readonly active = new Map<string, string>();
  private matchKey: string | undefined;

  keyFor(subject: string) {
    let keyId = this.active.get(subject);
    if (!keyId) {
      keyId = randomBytes(8).toString('hex');
      this.keys.set(keyId, { subject, key: sealingKey(randomBytes(32)) });
      this.active.set(subject, keyId);
    }
    return { keyId, key: this.live(keyId) };
  }

  private live(keyId: string): SealingKey {
    const found = this.keys.get(keyId)?.key;
    if (!found) throw new SubjectKeyDestroyedError(`no live subject key ${keyId}`);
    return found;
  }

  async key(keyId: string): Promise<SealingKey> {
    return this.live(keyId);
  }

  /**
   * Keys are made live at once; a named key of this store destroyed since fails the commit
   * (once: sealed again, the request has a new key). Keys not made here are not asked about.
   */
  async commit(keyIds: Iterable<string>): Promise<ReadonlyMap<string, SupersededKey>> {
    let lost = false;
    for (const keyId of keyIds) {
      const entry = this.keys.get(keyId);
      if (entry && !entry.key) {
        this.keys.delete(keyId);
        lost = true;
      }
    }
    if (lost) throw changedError();
    return new Map();
  }

  async destroy(subject: string): Promise<number> {
    let destroyed = 0;
    for (const [keyId, entry] of this.keys)
      if (entry.subject === subject && entry.key) {
        this.keys.set(keyId, { subject, key: undefined });
        destroyed += 1;
      }
    this.active.delete(subject);
    return destroyed;
  }

  matchKeyId(proposed: string): string {
    return (this.matchKey ??= proposed);
  }

  matchSecrets(): MatchSecrets | undefined {
    return undefined;
  }

  /** Keys in memory are not wrapped under a master key: nothing to re-wrap. */
  async rewrap(): Promise<RewrapReport> {
    return { current: '', rewrapped: 0, changedMeanwhile: 0, remaining: {} };
  }

  async close(): Promise<void> {}
}
