/**
 * HMAC-SHA-256 for the short values the hub keys (ID numbers, names, certificate numbers),
 * bit for bit what node:crypto computes. Why not createHmac: each call allocates a native
 * object and hashes the key's padded block again; a bulk screening makes three per row, and
 * that was the largest cost of a row. Here the key's inner and outer blocks are hashed once,
 * so a value of up to 55 bytes costs two compressions and no allocation.
 */

const K = Int32Array.from(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ],
  (k) => k | 0,
);
const INITIAL = Int32Array.from(
  [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19],
  (h) => h | 0,
);
const BLOCK = 64;
const schedule = new Int32Array(64);

/** One SHA-256 compression of the 64-byte block at `offset` into `state` (in place). */
function compress(state: Int32Array, bytes: Uint8Array, offset: number): void {
  const w = schedule;
  for (let i = 0; i < 16; i++) {
    const p = offset + i * 4;
    w[i] = (bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!;
    const w2 = w[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** Appends SHA-256 padding for a message of `length` bytes (after `prefixBytes` already hashed). */
function pad(bytes: Uint8Array, length: number, prefixBytes: number): number {
  const end = Math.ceil((length + 9) / BLOCK) * BLOCK;
  bytes[length] = 0x80;
  bytes.fill(0, length + 1, end - 4);
  const bits = (length + prefixBytes) * 8;
  // Messages here are far below 2^32 bits: the high word of the length is always zero.
  bytes[end - 4] = bits >>> 24;
  bytes[end - 3] = (bits >>> 16) & 0xff;
  bytes[end - 2] = (bits >>> 8) & 0xff;
  bytes[end - 1] = bits & 0xff;
  return end;
}

const encoder = new TextEncoder();

export class HmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private buffer = new Uint8Array(256);

  constructor(key: Uint8Array) {
    if (key.length > BLOCK) throw new Error('HmacSha256: keys longer than 64 bytes are not used');
    const block = new Uint8Array(BLOCK);
    for (const [state, fill] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      block.fill(fill);
      for (let i = 0; i < key.length; i++) block[i] = key[i]! ^ fill;
      state.set(INITIAL);
      compress(state, block, 0);
    }
  }

  /** The MAC of the string's UTF-8 bytes as eight big-endian words (reused by the next call). */
  mac(message: string): Int32Array {
    let bytes = this.buffer;
    // UTF-8 is at most 3 bytes per UTF-16 unit; the padding needs up to 72 more.
    if (message.length * 3 + 72 > bytes.length)
      bytes = this.buffer = new Uint8Array(message.length * 3 + 72);
    let length = 0;
    for (; length < message.length; length++) {
      const unit = message.charCodeAt(length);
      if (unit > 0x7f) {
        length = encoder.encodeInto(message, bytes).written;
        break;
      }
      bytes[length] = unit;
    }
    const state = this.state;
    state.set(this.inner);
    const end = pad(bytes, length, BLOCK);
    for (let offset = 0; offset < end; offset += BLOCK) compress(state, bytes, offset);
    for (let i = 0; i < 8; i++) {
      const word = state[i]!;
      bytes[i * 4] = word >>> 24;
      bytes[i * 4 + 1] = (word >>> 16) & 0xff;
      bytes[i * 4 + 2] = (word >>> 8) & 0xff;
      bytes[i * 4 + 3] = word & 0xff;
    }
    state.set(this.outer);
    pad(bytes, 32, BLOCK);
    compress(state, bytes, 0);
    return state;
  }
}

const digestBytes = Buffer.alloc(24);

/** The first 24 bytes of a MAC in base64url: 32 characters, what a match key is. */
export function base64UrlOf24(words: Int32Array): string {
  for (let i = 0; i < 6; i++) digestBytes.writeInt32BE(words[i]!, i * 4);
  return digestBytes.toString('base64url');
}
