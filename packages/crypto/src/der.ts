/**
 * The few DER structures SM2 needs (ITU-T X.690): signatures as SEQUENCE { r, s } (GM/T 0009),
 * SubjectPublicKeyInfo, PKCS#8 PrivateKeyInfo holding an ECPrivateKey (RFC 5915). Reading is
 * strict — minimal lengths, minimal positive integers, nothing left over — so one signature
 * has one encoding.
 */

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  /** [0] and [1] EXPLICIT, as in ECPrivateKey. */
  context0: 0xa0,
  context1: 0xa1,
} as const;

export class DerError extends Error {
  readonly code = 'DER_INVALID';
}

export interface Tlv {
  tag: number;
  content: Buffer;
  /** Offset just past this element. */
  end: number;
}

export function readTlv(bytes: Buffer, offset: number): Tlv {
  const tag = bytes[offset];
  let lengthByte = bytes[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new DerError('truncated DER');
  let length = lengthByte;
  let start = offset + 2;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 3) throw new DerError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[start + i];
      if (lengthByte === undefined) throw new DerError('truncated DER');
      if (i === 0 && lengthByte === 0) throw new DerError('non-minimal DER length');
      length = length * 256 + lengthByte;
    }
    if (length < 0x80) throw new DerError('non-minimal DER length');
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError('truncated DER');
  return { tag, content: bytes.subarray(start, end), end };
}

/** The elements of a constructed value's content, each checked against the expected tag. */
export function readChildren(content: Buffer, tags: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  for (const tag of tags) {
    if (offset >= content.length) break;
    const element = readTlv(content, offset);
    if (element.tag !== tag) break;
    out.push(element.content);
    offset = element.end;
  }
  return out;
}

/** One element that must fill `bytes` exactly. */
export function readWhole(bytes: Buffer, tag: number): Buffer {
  const element = readTlv(bytes, 0);
  if (element.tag !== tag || element.end !== bytes.length) throw new DerError('unexpected DER');
  return element.content;
}

export function encodeTlv(tag: number, ...contents: Buffer[]): Buffer {
  const content = Buffer.concat(contents);
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.of(tag, length);
  else if (length < 0x100) header = Buffer.of(tag, 0x81, length);
  else if (length < 0x10000) header = Buffer.of(tag, 0x82, length >> 8, length & 0xff);
  else throw new DerError('DER value too long');
  return Buffer.concat([header, content]);
}

/** A non-negative INTEGER in its minimal two's-complement form. */
export function encodeUnsignedInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return encodeTlv(TAG.integer, bytes[0]! & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes);
}

export function decodeUnsignedInteger(content: Buffer): bigint {
  if (content.length === 0) throw new DerError('empty INTEGER');
  if (content[0]! & 0x80) throw new DerError('negative INTEGER');
  if (content.length > 1 && content[0] === 0 && !(content[1]! & 0x80))
    throw new DerError('non-minimal INTEGER');
  return BigInt(`0x${content.toString('hex')}`);
}

/** SEQUENCE { r INTEGER, s INTEGER }, the signature encoding of GM/T 0009 (and of ECDSA). */
export function encodeSignature(r: bigint, s: bigint): Buffer {
  return encodeTlv(TAG.sequence, encodeUnsignedInteger(r), encodeUnsignedInteger(s));
}

export function decodeSignature(bytes: Buffer): { r: bigint; s: bigint } {
  const content = readWhole(bytes, TAG.sequence);
  const r = readTlv(content, 0);
  const s = readTlv(content, r.end);
  if (r.tag !== TAG.integer || s.tag !== TAG.integer || s.end !== content.length)
    throw new DerError('not a SEQUENCE of two INTEGERs');
  return { r: decodeUnsignedInteger(r.content), s: decodeUnsignedInteger(s.content) };
}
