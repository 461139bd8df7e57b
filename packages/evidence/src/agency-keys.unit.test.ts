import { generateSigningKeyPair, keyIdOf } from '@hub/crypto';
import type { RecordedEvent } from '@hub/event-store';
import { generateDemoCampaign } from '@hub/demo';
import { keyInForce, keysFromEvents } from './agency-keys.js';

const pair = generateSigningKeyPair('ed25519');
const other = generateSigningKeyPair('sm2');
const at = (position: bigint, type: string, data: object): RecordedEvent => ({
  id: `e${position}`,
  type,
  data,
  metadata: { agency: 'market' },
  streamName: 'agency-keys-market',
  revision: Number(position),
  position,
  recordedAt: '2024-01-01T00:00:00.000Z',
});

describe('agency keys', () => {
  describe('given a key registered at 10 and revoked at 20, and another registered at 15', () => {
    const keys = keysFromEvents([
      at(10n, 'AgencyKeyRegistered', {
        agency: 'market',
        alg: 'ed25519',
        publicKeyPem: pair.publicKeyPem,
      }),
      at(15n, 'AgencyKeyRegistered', {
        agency: 'market',
        alg: 'sm2',
        publicKeyPem: other.publicKeyPem,
      }),
      at(20n, 'AgencyKeyRevoked', {
        agency: 'market',
        keyId: keyIdOf(pair.publicKeyPem),
        reason: 'rotated',
      }),
    ]);
    const id = keyIdOf(pair.publicKeyPem);

    it('holds a batch recorded while the key was in force', () => {
      expect(keyInForce(keys, id, 11n)?.alg).toBe('ed25519');
      expect(keyInForce(keys, id, 19n)?.alg).toBe('ed25519');
    });

    it('refuses the key for a batch recorded before its registration or after its revocation', () => {
      expect(keyInForce(keys, id, 10n)).toBeUndefined();
      expect(keyInForce(keys, id, 21n)).toBeUndefined();
      expect(keyInForce(keys, id)).toBeUndefined();
    });

    it('keeps the rotated-in key in force now', () => {
      expect(keyInForce(keys, keyIdOf(other.publicKeyPem))?.alg).toBe('sm2');
    });
  });

  it('revokes in the demo the key it registered (its key id written there by hand is right)', () => {
    const events = generateDemoCampaign()
      .filter(({ event }) => event.type.startsWith('AgencyKey'))
      .map(({ event }, i) => at(BigInt(i + 1), event.type, event.data as object));
    const keys = keysFromEvents(events);
    expect(keys.map((k) => k.revokedAt !== undefined)).toEqual([true, false]);
  });
});
