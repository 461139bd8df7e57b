export type HashAlg = 'sha256' | 'sm3';
export type SignatureAlg = 'ed25519' | 'sm2';
export type SealAlg = 'aes-256-gcm' | 'sm4-ctr-hmac-sm3';
export type CryptoSuite = 'international' | 'national';

/** Every value of each algorithm type, for configuration schemas (e.g. `z.enum(HASH_ALGS)`). */
export const HASH_ALGS = ['sha256', 'sm3'] as const satisfies readonly HashAlg[];
export const SIGNATURE_ALGS = ['ed25519', 'sm2'] as const satisfies readonly SignatureAlg[];
export const SEAL_ALGS = ['aes-256-gcm', 'sm4-ctr-hmac-sm3'] as const satisfies readonly SealAlg[];
export const CRYPTO_SUITES = [
  'international',
  'national',
] as const satisfies readonly CryptoSuite[];

/**
 * The two families a deployment chooses between: international algorithms, or the national
 * commercial ones (商用密码) that GB/T 39786-2021 asks of systems at 等保 level 3.
 */
export const SUITES: Record<
  CryptoSuite,
  { hash: HashAlg; signature: SignatureAlg; seal: SealAlg }
> = {
  international: { hash: 'sha256', signature: 'ed25519', seal: 'aes-256-gcm' },
  national: { hash: 'sm3', signature: 'sm2', seal: 'sm4-ctr-hmac-sm3' },
};
