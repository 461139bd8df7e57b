import { z } from 'zod';
import { AGENCIES, type Agency } from '../shared/agencies.js';
import { defineEvent } from '../shared/event-definition.js';
import { nameSchema } from '../shared/value-objects/name.js';

/** An agency's keys live in one stream: their order is the order of registration and revocation. */
export const agencyKeyStream = (agency: string) => `agency-keys-${agency}`;

const SIGNATURE_ALGS = ['ed25519', 'sm2'] as const;

/** A public key in PEM (SubjectPublicKeyInfo); the hub derives its key id from it. */
const PublicKeyPem = z
  .string()
  .max(2000)
  .regex(
    /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\r?\n?$/,
    '公钥应为 PEM 格式（BEGIN PUBLIC KEY）/ the public key must be PEM (BEGIN PUBLIC KEY)',
  );

const KeyId = z
  .string()
  .regex(
    /^[0-9a-f]{16}$/,
    '密钥编号为 16 位十六进制 / a key id is 16 hex digits: the start of SHA-256 of the key',
  );

const ownKeysOnly = (agency: Agency, data: { agency: Agency }) =>
  data.agency === agency ? undefined : `an agency registers and revokes its own keys only`;

export const AgencyKeyRegistered = defineEvent({
  type: 'AgencyKeyRegistered',
  version: 1,
  titleZh: '部门签名公钥登记',
  description:
    'An agency registered a public key (Ed25519 or SM2) that signs the batches it publishes; rotation is a new key registered and the old one revoked.',
  publishers: AGENCIES,
  mayPublish: ownKeysOnly,
  stream: (d) => agencyKeyStream(d.agency),
  schema: z
    .object({
      agency: z.enum(AGENCIES),
      alg: z.enum(SIGNATURE_ALGS),
      publicKeyPem: PublicKeyPem,
      label: nameSchema('organisation', 100).optional().describe('e.g. 2026 年签名密钥'),
    })
    .strict(),
});

export const AgencyKeyRevoked = defineEvent({
  type: 'AgencyKeyRevoked',
  version: 1,
  titleZh: '部门签名公钥吊销',
  description:
    'An agency revoked one of its signing keys: batches signed with it afterwards are refused.',
  publishers: AGENCIES,
  mayPublish: ownKeysOnly,
  stream: (d) => agencyKeyStream(d.agency),
  schema: z
    .object({
      agency: z.enum(AGENCIES),
      keyId: KeyId,
      reason: z.enum(['rotated', 'compromised', 'retired']),
    })
    .strict(),
});

export const agencyKeyEvents = [AgencyKeyRegistered, AgencyKeyRevoked] as const;
