// The part of sm-crypto 0.5 (an independent 国密 implementation, used only by the interop tests)
// that the tests call. It ships no types.
declare module 'sm-crypto' {
  interface SignatureOptions {
    /** DER SEQUENCE { r, s } instead of raw r ‖ s hex. */
    der?: boolean;
    /** Hash with Z_A (SM2 proper); default true in 0.5. */
    hash?: boolean;
    /** Public key hex (04 ‖ x ‖ y); saves deriving it. */
    publicKey?: string;
    /** Default 1234567812345678. */
    userId?: string;
  }
  export const sm2: {
    generateKeyPairHex(): { privateKey: string; publicKey: string };
    getPublicKeyFromPrivateKey(privateKey: string): string;
    doSignature(
      message: string | number[] | Uint8Array,
      privateKey: string,
      options?: SignatureOptions,
    ): string;
    doVerifySignature(
      message: string | number[] | Uint8Array,
      signature: string,
      publicKey: string,
      options?: Omit<SignatureOptions, 'publicKey'>,
    ): boolean;
  };
  export function sm3(
    input: string | number[] | Uint8Array,
    options?: { mode: 'hmac'; key: string | number[] | Uint8Array },
  ): string;
  export const sm4: {
    encrypt(
      input: string | number[] | Uint8Array,
      key: string | number[] | Uint8Array,
      options?: {
        padding?: 'pkcs#7' | 'none';
        mode?: 'ecb' | 'cbc';
        iv?: string | number[];
        output?: 'string' | 'array';
      },
    ): string | number[];
  };
}
