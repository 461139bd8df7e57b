/**
 * An XLSX file is a zip of XML parts, and a part of a few kilobytes can inflate to gigabytes;
 * the shared-strings part is even held whole in memory by the reader. Before a workbook is
 * read, every part is inflated once with a counter, within limits, and the reader then gets
 * the zip rebuilt from exactly the parts that were checked (its streaming parser reads local
 * headers, which a crafted file could make disagree with the central directory).
 */
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import {
  DEFAULT_MAX_INFLATE_RATIO,
  GRACE_BYTES,
  InflationLimitError,
  ratioTooHigh,
  tooLarge,
  type InflationLimits,
} from '@hub/ingestion';

export interface XlsxLimits extends InflationLimits {
  /** Largest shared-strings part (xl/sharedStrings.xml) once inflated: the reader keeps it whole. */
  maxSharedStringsBytes: number;
  /** Most parts a workbook may have. */
  maxParts: number;
}

export const DEFAULT_XLSX_LIMITS: XlsxLimits = {
  maxBytes: 200 * 1024 * 1024,
  maxRatio: DEFAULT_MAX_INFLATE_RATIO,
  maxSharedStringsBytes: 64 * 1024 * 1024,
  maxParts: 10_000,
};

/** Bytes that can be read at any offset: a file on disk or a body in memory. */
export interface RandomAccess {
  size(): Promise<number>;
  read(offset: number, length: number): Promise<Buffer>;
}

/** A file that is not a zip the hub can read (not a format problem of the rows). */
export class XlsxFormatError extends Error {
  readonly code = 'XLSX_INVALID';
}

interface Part {
  name: Buffer;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  dataStart: number;
}

const SHARED_STRINGS = 'xl/sharedStrings.xml';
const invalid = (why: string) =>
  new XlsxFormatError(`XLSX 文件结构无效：${why}；not a valid XLSX (zip) file: ${why}`);

/** The end-of-central-directory record: where the parts are listed. */
async function centralDirectory(source: RandomAccess, size: number) {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await source.read(size - tailLength, tailLength);
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) !== 0x06054b50) continue;
    if (at + 22 + tail.readUInt16LE(at + 20) !== tail.length) continue;
    const entries = tail.readUInt16LE(at + 10);
    const length = tail.readUInt32LE(at + 12);
    const offset = tail.readUInt32LE(at + 16);
    if (entries === 0xffff || length === 0xffffffff || offset === 0xffffffff)
      throw invalid('ZIP64 workbooks (over 4 GB) are not read');
    if (offset + length > size - tailLength + at)
      throw invalid('the part list lies outside the file');
    return { entries, length, offset };
  }
  throw invalid('no zip directory at the end of the file');
}

async function partsOf(source: RandomAccess, limits: XlsxLimits): Promise<Part[]> {
  const size = await source.size();
  if (size > limits.maxBytes) throw tooLarge('XLSX 文件', limits);
  const cd = await centralDirectory(source, size);
  if (cd.entries > limits.maxParts)
    throw new InflationLimitError(
      'XLSX_TOO_MANY_PARTS',
      `XLSX 文件包含 ${cd.entries} 个部件，超过上限 ${limits.maxParts}；the workbook has more than ${limits.maxParts} parts`,
    );
  const directory = await source.read(cd.offset, cd.length);
  const parts: Part[] = [];
  let total = 0;
  let at = 0;
  for (let i = 0; i < cd.entries; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== 0x02014b50)
      throw invalid('a broken part list');
    const flags = directory.readUInt16LE(at + 8);
    const method = directory.readUInt16LE(at + 10);
    const compressedSize = directory.readUInt32LE(at + 20);
    const partSize = directory.readUInt32LE(at + 24);
    const nameLength = directory.readUInt16LE(at + 28);
    const skip = nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
    const localOffset = directory.readUInt32LE(at + 42);
    const name = directory.subarray(at + 46, at + 46 + nameLength);
    const label = name.toString('utf8');
    if (flags & 0x1) throw invalid(`part ${label} is encrypted`);
    if (method !== 0 && method !== 8)
      throw invalid(`part ${label} uses compression method ${method}`);
    if (method === 0 && compressedSize !== partSize)
      throw invalid(`stored part ${label} changes size`);
    if (label === SHARED_STRINGS && partSize > limits.maxSharedStringsBytes)
      throw new InflationLimitError(
        'XLSX_PART_TOO_LARGE',
        `XLSX 共享字符串表（${SHARED_STRINGS}）解压后超过 ${Math.round(limits.maxSharedStringsBytes / 1048576)} MB 的上限，请改用 CSV；the shared-strings table is larger than ${Math.round(limits.maxSharedStringsBytes / 1048576)} MB once inflated: send the roster as CSV`,
      );
    total += partSize;
    if (total > limits.maxBytes) throw tooLarge('XLSX 文件', limits);
    if (partSize > GRACE_BYTES && partSize > compressedSize * limits.maxRatio)
      throw ratioTooHigh(limits);
    const local = await source.read(localOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50)
      throw invalid(`part ${label} has no local header where the list says`);
    const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataStart + compressedSize > cd.offset)
      throw invalid(`part ${label} runs into the part list`);
    parts.push({
      name,
      method,
      time: directory.readUInt16LE(at + 12),
      date: directory.readUInt16LE(at + 14),
      crc: directory.readUInt32LE(at + 16),
      compressedSize,
      size: partSize,
      dataStart,
    });
    at += 46 + skip;
  }
  return parts;
}

const CHUNK = 1024 * 1024;

/** The compressed bytes of a part, read a chunk at a time. */
async function* compressed(source: RandomAccess, part: Part): AsyncGenerator<Buffer> {
  for (let done = 0; done < part.compressedSize; done += CHUNK)
    yield await source.read(part.dataStart + done, Math.min(CHUNK, part.compressedSize - done));
}

/** Inflates a part with a counter: it must come out at the size the list declares, no more. */
async function verifyPart(source: RandomAccess, part: Part): Promise<void> {
  if (part.method === 0) return;
  const inflate = createInflateRaw();
  let inflated = 0;
  const outcome = new Promise<void>((resolve, reject) => {
    inflate.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
      if (inflated > part.size) {
        inflate.destroy();
        reject(invalid(`part ${part.name.toString('utf8')} inflates beyond the size it declares`));
      }
    });
    inflate.on('end', () =>
      inflated === part.size
        ? resolve()
        : reject(invalid(`part ${part.name.toString('utf8')} is not the size it declares`)),
    );
    inflate.on('error', () => reject(invalid(`part ${part.name.toString('utf8')} is corrupt`)));
  });
  // Awaited below; observed now so a refusal mid-loop is not reported as unhandled meanwhile.
  outcome.catch(() => undefined);
  for await (const chunk of compressed(source, part)) {
    if (inflate.destroyed) break;
    if (!inflate.write(chunk))
      await new Promise((r) => {
        inflate.once('drain', r);
        inflate.once('close', r);
      });
  }
  if (!inflate.destroyed) inflate.end();
  await outcome;
}

/** The zip of exactly the checked parts: local headers with known sizes, then the directory. */
async function* rebuilt(source: RandomAccess, parts: readonly Part[]): AsyncGenerator<Buffer> {
  const directory: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0800, 6); // names in UTF-8; sizes known, no data descriptor
    header.writeUInt16LE(part.method, 8);
    header.writeUInt16LE(part.time, 10);
    header.writeUInt16LE(part.date, 12);
    header.writeUInt32LE(part.crc, 14);
    header.writeUInt32LE(part.compressedSize, 18);
    header.writeUInt32LE(part.size, 22);
    header.writeUInt16LE(part.name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    header.copy(entry, 6, 4, 30);
    entry.writeUInt32LE(offset, 42);
    directory.push(entry, part.name);
    yield header;
    yield part.name;
    yield* compressed(source, part);
    offset += 30 + part.name.length + part.compressedSize;
  }
  const list = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(list.length, 12);
  end.writeUInt32LE(offset, 16);
  yield list;
  yield end;
}

const checked = new WeakMap<RandomAccess, Promise<Part[]>>();

/**
 * Checks an XLSX within the limits, inflating every part once with a counter; throws an
 * InflationLimitError (413) or an XlsxFormatError. The same source is checked only once.
 */
export function checkXlsx(source: RandomAccess, limits: XlsxLimits): Promise<Part[]> {
  let parts = checked.get(source);
  if (!parts) {
    parts = (async () => {
      const found = await partsOf(source, limits);
      for (const part of found) await verifyPart(source, part);
      return found;
    })();
    checked.set(source, parts);
  }
  return parts;
}

/** The workbook for the reader, once checked: only the parts that were checked, as they were. */
export async function checkedXlsxStream(
  source: RandomAccess,
  limits: XlsxLimits,
): Promise<Readable> {
  return Readable.from(rebuilt(source, await checkXlsx(source, limits)));
}
