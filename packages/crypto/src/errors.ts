/** A sealed text that does not open: altered, truncated, another key, or not a sealed text. */
export class SealOpenError extends Error {
  readonly code = 'SEAL_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealOpenError';
  }
}

/** A key that cannot be used: malformed PEM, an unsupported algorithm, the wrong length. */
export class CryptoKeyError extends Error {
  readonly code = 'KEY_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CryptoKeyError';
  }
}
