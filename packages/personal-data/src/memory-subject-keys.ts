import { randomBytes } from 'node:crypto';
import { sealingKey, type SealingKey } from '@hub/crypto';
import { SubjectKeyDestroyedError, type SubjectKeyStore } from './subject-keys.js';

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
    return { keyId, key: this.key(keyId) };
  }

  key(keyId: string): SealingKey {
    const found = this.keys.get(keyId)?.key;
    if (!found) throw new SubjectKeyDestroyedError(`no live subject key ${keyId}`);
    return found;
  }

  commit(): void {}

  destroy(subject: string): number {
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

  close(): void {}
}
