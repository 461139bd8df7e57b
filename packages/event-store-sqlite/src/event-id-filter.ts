/**
 * A Bloom filter of event-id keys (the 64-bit keys of `event_ids`): it answers "certainly not
 * there" or "perhaps there". New ids are the common case, and for them it spares the index a
 * B-tree probe per id (100 per batch of 100); a "perhaps" is checked in the index as before.
 * It never forgets a key, so it has no false "not there".
 *
 * The keys are already uniform (a keyed SHA-256), so the bit positions come from the key itself
 * by double hashing. It grows by adding a part twice the size of the last one (a scalable Bloom
 * filter): no key needs to be seen again, and a lookup asks every part.
 */
const BITS_PER_KEY = 16;
/** Positions per key: with 16 bits a key, about 6 false "perhaps" in 10,000 when a part is full. */
const PROBES = 8;
const FIRST_PART_KEYS = 1 << 16;

interface Part {
  bits: Int32Array;
  /** Bit positions are taken modulo the part's size, a power of two. */
  mask: number;
  capacity: number;
  count: number;
}

export class EventIdKeyFilter {
  private readonly parts: Part[] = [];
  private keys = 0;

  /**
   * `expected`: how many keys are about to be added, which sizes the first part (2 bytes a
   * key, rounded up to a power of two: 2 MiB for a million ids, 32 MiB for ten million).
   */
  constructor(expected = 0) {
    this.parts.push(newPart(nextPowerOfTwo(Math.max(FIRST_PART_KEYS, expected))));
  }

  get size(): number {
    return this.keys;
  }

  add(key: bigint): void {
    let part = this.parts[this.parts.length - 1]!;
    if (part.count >= part.capacity) {
      part = newPart(part.capacity * 2);
      this.parts.push(part);
    }
    const [h1, h2] = halves(key);
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & part.mask;
      part.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    part.count += 1;
    this.keys += 1;
  }

  /** False: the key was never added. True: it perhaps was. */
  mayHave(key: bigint): boolean {
    const [h1, h2] = halves(key);
    for (const part of this.parts) if (inPart(part, h1, h2)) return true;
    return false;
  }
}

function inPart(part: Part, h1: number, h2: number): boolean {
  for (let i = 0; i < PROBES; i++) {
    const bit = (h1 + Math.imul(i, h2)) & part.mask;
    if ((part.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
  }
  return true;
}

/** The key's two 32-bit halves; the step is odd, so it visits every position of a part. */
function halves(key: bigint): [number, number] {
  return [Number(BigInt.asUintN(32, key)), Number(BigInt.asUintN(32, key >> 32n)) | 1];
}

function newPart(capacity: number): Part {
  const size = capacity * BITS_PER_KEY;
  return { bits: new Int32Array(size / 32), mask: size - 1, capacity, count: 0 };
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
