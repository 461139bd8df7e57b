export * from './suites.js';
export { digest, hasher, hmac, type Hasher } from './hash.js';
export { hkdf } from './hkdf.js';
export {
  generateSigningKeyPair,
  keyIdOf,
  sign,
  signatureAlgOfPem,
  signer,
  verifier,
  verify,
  type KeyPairPem,
  type Signer,
  type Verifier,
} from './signatures.js';
export { SM2_DEFAULT_USER_ID } from './sm2/sign.js';
export { open, seal, sealAlgOf, sealingKey, type SealOptions, type SealingKey } from './seal.js';
export { CryptoKeyError, SealOpenError } from './errors.js';
