/** Input bytes as a Buffer without copying; strings are UTF-8. */
export const bytesOf = (part: Uint8Array | string): Buffer =>
  typeof part === 'string'
    ? Buffer.from(part, 'utf8')
    : Buffer.from(part.buffer, part.byteOffset, part.byteLength);

/** Unsigned big-endian integer of exactly `length` bytes. */
export function bigintToBytes(value: bigint, length: number): Buffer {
  const hex = value.toString(16);
  if (value < 0n || hex.length > length * 2)
    throw new RangeError(`integer does not fit ${length} bytes`);
  return Buffer.from(hex.padStart(length * 2, '0'), 'hex');
}

export const bytesToBigint = (bytes: Uint8Array): bigint =>
  bytes.length === 0
    ? 0n
    : BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);

/** 8-byte big-endian length, so a length-prefixed field cannot run into the next one. */
export function u64be(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}
