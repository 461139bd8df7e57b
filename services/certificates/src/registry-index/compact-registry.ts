/**
 * The certificate registry's verification fields held in shared memory, so that every
 * screening thread looks certificates up without a database round trip and without a copy
 * of its own. One thread writes (CompactRegistryWriter), any number read
 * (CompactRegistryReader over the same CompactRegistryMemory).
 *
 * Layout. Entries are fixed 128-byte records in segments of 2^20; slots are an open-addressing
 * table (linear probing) of entry numbers + 1 keyed by the document key's first four bytes
 * (the key is a keyed hash, so already uniform). Strings that repeat (categories, dates,
 * reasons) are interned in a shared table; the masked holder is inline.
 *
 * Concurrency. An entry is never changed once it is reachable: a changed document gets a new
 * entry and its slot is switched to it with one atomic store, which a reader's atomic load
 * of the slot orders after every byte of the entry (and of any string it names). Superseded
 * entries stay behind until the index is next built. When slots or segments must grow, the
 * writer makes new memory (a new generation, with slots of its own) that readers must be
 * handed: the generation they hold stops seeing changes.
 */
import { VERIFIED_FIELDS, type VerifiedRecord } from '@hub/domain';
import { MATCH_KEY_BYTES, matchKeyBytes } from '@hub/personal-data';

export interface CompactRegistryMemory {
  generation: number;
  /** Entries per segment, as a power of two. */
  segmentShift: number;
  /** Int32: entry number + 1, or 0 for an empty slot. Length is a power of two. */
  slots: SharedArrayBuffer;
  /** 2^segmentShift entries of ENTRY_BYTES each. */
  segments: SharedArrayBuffer[];
  /** UTF-8 bytes of the interned strings. */
  stringBytes: SharedArrayBuffer;
  /** Int32: [0] = number of strings; [i] = end offset of string i (ids start at 1). */
  stringEnds: SharedArrayBuffer;
}

const ENTRY_BYTES = 128;
const STRING_BYTES = 64 << 20;
const MAX_STRINGS = 1 << 20;

// Byte offsets within an entry.
const HOLDER_KEY = 24;
const HOLDER_NAME_KEY = 48;
/** Int32 index (of the entry's Int32 view) of the first interned-string field. */
const STRING_FIELDS_AT = 72 / 4;
const HOLDER_MASKED = 104;
const HOLDER_MASKED_MAX = 20;
const HOLDER_MASKED_LENGTH = 124;
const FLAGS = 125;
const ISSUED = 1;
const HAS_HOLDER_KEY = 2;
const HAS_HOLDER_NAME_KEY = 4;
/** The document did not fit this layout: readers look it up in the read models instead. */
const ELSEWHERE = 8;

/** Fields stored inline; every other field verification reads is an interned string. */
const INLINE = ['issued', 'holderKey', 'holderNameKey', 'holderMasked'] as const;
type StringField = Exclude<(typeof VERIFIED_FIELDS)[number], (typeof INLINE)[number]>;
/** The string fields, in the order of their Int32 slots in an entry. */
const STRING_FIELDS = VERIFIED_FIELDS.filter(
  (f): f is StringField => !(INLINE as readonly string[]).includes(f),
);
if (STRING_FIELDS.length > (HOLDER_MASKED - STRING_FIELDS_AT * 4) / 4)
  throw new Error('compact registry: more string fields than an entry has room for');

const slotOf = (bytes: Uint8Array, at: number, mask: number) =>
  ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) & mask;

function sameKey(a: Uint8Array, at: number, b: Uint8Array, bt: number): boolean {
  for (let i = 0; i < MATCH_KEY_BYTES; i++) if (a[at + i] !== b[bt + i]) return false;
  return true;
}

/** Views over one generation of memory, shared by the writer and readers. */
class Views {
  readonly slots: Int32Array;
  readonly mask: number;
  readonly shift: number;
  readonly within: number;
  readonly segments: Uint8Array[];
  readonly segmentBuffers: Buffer[];
  readonly segmentWords: Int32Array[];
  readonly stringBytes: Uint8Array;
  readonly stringEnds: Int32Array;

  constructor(readonly memory: CompactRegistryMemory) {
    this.slots = new Int32Array(memory.slots);
    this.mask = this.slots.length - 1;
    this.shift = memory.segmentShift;
    this.within = (1 << memory.segmentShift) - 1;
    this.segments = memory.segments.map((s) => new Uint8Array(s));
    this.segmentBuffers = memory.segments.map((s) => Buffer.from(s));
    this.segmentWords = memory.segments.map((s) => new Int32Array(s));
    this.stringBytes = new Uint8Array(memory.stringBytes);
    this.stringEnds = new Int32Array(memory.stringEnds);
  }

  /** The entry number for a key, or -1. The key's 24 bytes are at `key[at]`. */
  find(key: Uint8Array, at: number): number {
    for (let slot = slotOf(key, at, this.mask); ; slot = (slot + 1) & this.mask) {
      const held = Atomics.load(this.slots, slot);
      if (held === 0) return -1;
      const entry = held - 1;
      const segment = this.segments[entry >>> this.shift]!;
      if (sameKey(segment, (entry & this.within) * ENTRY_BYTES, key, at)) return entry;
    }
  }
}

/** Looks certificates up; lives on any thread that was handed the memory. */
export class CompactRegistryReader {
  private views: Views;
  private readonly strings: string[] = [''];
  private readonly key = new Uint8Array(MATCH_KEY_BYTES);

  constructor(memory: CompactRegistryMemory) {
    this.views = new Views(memory);
  }

  get generation(): number {
    return this.views.memory.generation;
  }

  /** Switches to a newer generation of the same registry (interned strings keep their ids). */
  adopt(memory: CompactRegistryMemory): void {
    this.views = new Views(memory);
  }

  private string(id: number): string | undefined {
    if (id === 0) return undefined;
    let text = this.strings[id];
    if (text === undefined) {
      const ends = this.views.stringEnds;
      const start = id === 1 ? 0 : ends[id - 1]!;
      text = Buffer.from(this.views.stringBytes.buffer, start, ends[id]! - start).toString('utf8');
      this.strings[id] = text;
    }
    return text;
  }

  /**
   * The record verification reads, 'elsewhere' when the document must be read from the read
   * models, or undefined when the registry has no such certificate.
   */
  get(key: string): VerifiedRecord | 'elsewhere' | undefined {
    if (!matchKeyBytes(key, this.key, 0)) return 'elsewhere';
    const views = this.views;
    const entry = views.find(this.key, 0);
    if (entry < 0) return undefined;
    const bytes = views.segments[entry >>> views.shift]!;
    const buffer = views.segmentBuffers[entry >>> views.shift]!;
    const words = views.segmentWords[entry >>> views.shift]!;
    const at = (entry & views.within) * ENTRY_BYTES;
    const flags = bytes[at + FLAGS]!;
    if (flags & ELSEWHERE) return 'elsewhere';
    const record: VerifiedRecord = { issued: (flags & ISSUED) !== 0 };
    if (flags & HAS_HOLDER_KEY)
      record.holderKey = buffer.toString(
        'base64url',
        at + HOLDER_KEY,
        at + HOLDER_KEY + MATCH_KEY_BYTES,
      );
    if (flags & HAS_HOLDER_NAME_KEY)
      record.holderNameKey = buffer.toString(
        'base64url',
        at + HOLDER_NAME_KEY,
        at + HOLDER_NAME_KEY + MATCH_KEY_BYTES,
      );
    const maskedLength = bytes[at + HOLDER_MASKED_LENGTH]!;
    if (maskedLength > 0)
      record.holderMasked = buffer.toString(
        'utf8',
        at + HOLDER_MASKED,
        at + HOLDER_MASKED + maskedLength - 1,
      );
    const first = at / 4 + STRING_FIELDS_AT;
    for (let i = 0; i < STRING_FIELDS.length; i++) {
      const text = this.string(words[first + i]!);
      if (text !== undefined) record[STRING_FIELDS[i]!] = text;
    }
    return record;
  }
}

export class CompactRegistryFull extends Error {}

/** Builds and changes the registry; one writer, on one thread. */
export class CompactRegistryWriter {
  private views: Views;
  private entries = 0;
  private live = 0;
  private stringCount = 0;
  private stringUsed = 0;
  private readonly interned = new Map<string, number>();
  private readonly scratch = new Uint8Array(ENTRY_BYTES);

  /** @param segmentShift entries per segment as a power of two (small only in tests) */
  constructor(expectedEntries = 0, segmentShift = 20) {
    this.views = new Views({
      generation: 0,
      segmentShift,
      slots: new SharedArrayBuffer(4 * slotCapacityFor(expectedEntries)),
      segments: [],
      stringBytes: new SharedArrayBuffer(STRING_BYTES),
      stringEnds: new SharedArrayBuffer(4 * (MAX_STRINGS + 1)),
    });
  }

  get memory(): CompactRegistryMemory {
    return this.views.memory;
  }

  /** Certificates held (each key once, however often it changed). */
  get size(): number {
    return this.live;
  }

  private intern(text: string | undefined): number {
    if (text === undefined) return 0;
    const known = this.interned.get(text);
    if (known !== undefined) return known;
    const bytes = Buffer.from(text, 'utf8');
    if (this.stringCount + 1 > MAX_STRINGS || this.stringUsed + bytes.length > STRING_BYTES)
      throw new CompactRegistryFull('the compact registry has no room for more distinct strings');
    this.views.stringBytes.set(bytes, this.stringUsed);
    this.stringUsed += bytes.length;
    const id = ++this.stringCount;
    this.views.stringEnds[id] = this.stringUsed;
    // Published before any entry that names it (that entry's slot store comes later).
    Atomics.store(this.views.stringEnds, 0, id);
    this.interned.set(text, id);
    return id;
  }

  /** Encodes a document into `scratch`; false when it does not fit (it is then kept elsewhere). */
  private encode(record: VerifiedRecord): boolean {
    const entry = this.scratch;
    entry.fill(0, MATCH_KEY_BYTES);
    let flags = record.issued ? ISSUED : 0;
    if (record.holderKey !== undefined) {
      if (!matchKeyBytes(record.holderKey, entry, HOLDER_KEY)) return false;
      flags |= HAS_HOLDER_KEY;
    }
    if (record.holderNameKey !== undefined) {
      if (!matchKeyBytes(record.holderNameKey, entry, HOLDER_NAME_KEY)) return false;
      flags |= HAS_HOLDER_NAME_KEY;
    }
    if (record.holderMasked !== undefined) {
      const written = Buffer.from(entry.buffer).write(
        record.holderMasked,
        HOLDER_MASKED,
        HOLDER_MASKED_MAX,
        'utf8',
      );
      if (Buffer.byteLength(record.holderMasked) !== written) return false;
      entry[HOLDER_MASKED_LENGTH] = written + 1;
    }
    const words = new Int32Array(entry.buffer);
    for (let i = 0; i < STRING_FIELDS.length; i++)
      words[STRING_FIELDS_AT + i] = this.intern(record[STRING_FIELDS[i]!]);
    entry[FLAGS] = flags;
    return true;
  }

  /** Adds or replaces a certificate's record (readers see the old one or the new one, whole). */
  put(key: string, document: VerifiedRecord): void {
    const entry = this.scratch;
    if (!matchKeyBytes(key, entry, 0))
      throw new Error(`registry key "${key.slice(0, 8)}…" is not a 32-character match key`);
    if (!this.encode(document)) {
      entry.fill(0, MATCH_KEY_BYTES);
      entry[FLAGS] = ELSEWHERE;
    }
    const replaced = this.views.find(entry, 0);
    if (replaced < 0 && (this.live + 1) * 2 > this.views.slots.length) this.grow();
    const number = this.entries;
    const segmentIndex = number >>> this.views.shift;
    if (segmentIndex === this.views.segments.length) this.addSegment();
    this.views.segments[segmentIndex]!.set(entry, (number & this.views.within) * ENTRY_BYTES);
    this.entries++;
    const views = this.views;
    let slot = slotOf(entry, 0, views.mask);
    if (replaced >= 0)
      while (Atomics.load(views.slots, slot) !== replaced + 1) slot = (slot + 1) & views.mask;
    else {
      while (Atomics.load(views.slots, slot) !== 0) slot = (slot + 1) & views.mask;
      this.live++;
    }
    Atomics.store(views.slots, slot, number + 1);
  }

  /**
   * A new generation with one more segment. Existing segments are shared, not copied; the
   * slots are copied, so a reader still on the old generation never meets an entry in a
   * segment it was not handed.
   */
  private addSegment(): void {
    const memory = this.views.memory;
    const slots = new SharedArrayBuffer(memory.slots.byteLength);
    new Int32Array(slots).set(this.views.slots);
    this.views = new Views({
      ...memory,
      generation: memory.generation + 1,
      slots,
      segments: [
        ...memory.segments,
        new SharedArrayBuffer((1 << memory.segmentShift) * ENTRY_BYTES),
      ],
    });
  }

  /** A new generation with twice the slots, holding only live entries. */
  private grow(): void {
    const old = this.views;
    const next = new Views({
      ...old.memory,
      generation: old.memory.generation + 1,
      slots: new SharedArrayBuffer(old.slots.byteLength * 2),
    });
    for (let slot = 0; slot < old.slots.length; slot++) {
      const held = old.slots[slot]!;
      if (held === 0) continue;
      const entry = held - 1;
      const segment = old.segments[entry >>> old.shift]!;
      let to = slotOf(segment, (entry & old.within) * ENTRY_BYTES, next.mask);
      while (next.slots[to] !== 0) to = (to + 1) & next.mask;
      next.slots[to] = held;
    }
    this.views = next;
  }
}

/** Slots for a number of entries: a power of two, at most half full. */
function slotCapacityFor(entries: number): number {
  let capacity = 1 << 16;
  while (capacity < entries * 2) capacity *= 2;
  return capacity;
}

/**
 * Looks keys up in the compact registry; the few documents it keeps elsewhere (they did not
 * fit its layout) are read through `fallback`, so the answer is the same as the read models'.
 */
export async function lookUpCompact(
  reader: CompactRegistryReader,
  keys: readonly string[],
  fallback: (keys: readonly string[]) => Promise<Map<string, unknown>>,
): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  const elsewhere: string[] = [];
  for (const key of keys) {
    const record = reader.get(key);
    if (record === 'elsewhere') elsewhere.push(key);
    else if (record) found.set(key, record);
  }
  if (elsewhere.length > 0)
    for (const [key, value] of await fallback(elsewhere)) found.set(key, value);
  return found;
}
