import { Transform, type TransformCallback } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendProblem } from './problem.js';

/**
 * Limits on what client data may inflate to. A compressed body (Content-Encoding) or an XLSX
 * part is counted as it is decompressed, never after: 149 kB of gzip once became 150 MB.
 */
export interface InflationLimits {
  /** Largest body (or all XLSX parts together) after decompression, in bytes. */
  maxBytes: number;
  /**
   * Largest ratio of decompressed to compressed bytes, checked once past GRACE_BYTES. Apache
   * POI refuses XLSX parts past 100:1 for the same reason; real rosters compress about 5:1.
   */
  maxRatio: number;
}

export const DEFAULT_MAX_INFLATE_RATIO = 100;
/** Small bodies inflate as they like: a ratio says little about a few kilobytes. */
export const GRACE_BYTES = 1024 * 1024;

export type InflationLimitCode =
  'BODY_TOO_LARGE' | 'COMPRESSION_RATIO_TOO_HIGH' | 'XLSX_PART_TOO_LARGE' | 'XLSX_TOO_MANY_PARTS';

/** Client data that would inflate past a limit; answered 413 with the code. */
export class InflationLimitError extends Error {
  constructor(
    readonly code: InflationLimitCode,
    message: string,
  ) {
    super(message);
  }
}

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

export const tooLarge = (what: string, limits: InflationLimits) =>
  new InflationLimitError(
    'BODY_TOO_LARGE',
    `${what}解压后超过 ${mb(limits.maxBytes)} 的上限；${what === '请求体' ? 'the body' : 'the data'} is larger than ${mb(limits.maxBytes)} once decompressed`,
  );

export const ratioTooHigh = (limits: InflationLimits) =>
  new InflationLimitError(
    'COMPRESSION_RATIO_TOO_HIGH',
    `压缩比超过 ${limits.maxRatio}:1，疑似压缩炸弹，已拒绝；the data decompresses to more than ${limits.maxRatio} times its compressed size (a compression bomb?)`,
  );

/**
 * Passes decompressed bytes through, failing as soon as they pass `maxBytes`, or pass
 * `maxRatio` times the compressed bytes read so far (as `compressedBytes()` tells).
 */
export function inflationGuard(
  limits: InflationLimits,
  compressedBytes: () => number,
  what = '请求体',
): Transform {
  let inflated = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      inflated += chunk.length;
      if (inflated > limits.maxBytes) return done(tooLarge(what, limits));
      if (inflated > GRACE_BYTES && inflated > compressedBytes() * limits.maxRatio)
        return done(ratioTooHigh(limits));
      done(null, chunk);
    },
  });
}

function decompressor(encoding: string) {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

class UnsupportedEncodingError extends Error {
  readonly code = 'UNSUPPORTED_CONTENT_ENCODING';
}

/**
 * Reads a request body, decompressing it within the limits; the bytes on the wire count too.
 * The request is never destroyed on a refusal (that would close the socket before the 413):
 * the caller answers, and the rest of the body is drained.
 */
export function readBoundedBody(req: Request, limits: InflationLimits): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes)
    return Promise.reject(tooLarge('请求体', limits));
  const inflate = encoding === 'identity' ? undefined : decompressor(encoding);
  if (encoding !== 'identity' && !inflate)
    return Promise.reject(
      new UnsupportedEncodingError(
        `不支持的内容编码 "${encoding}"（可用 gzip、deflate、br）；unsupported Content-Encoding "${encoding}" (use gzip, deflate or br)`,
      ),
    );
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let inflated = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      inflate?.destroy();
      reject(error);
    };
    const done = () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      wire += chunk.length;
      if (wire > limits.maxBytes) return fail(tooLarge('请求体', limits));
      if (!inflate) return void chunks.push(chunk);
      if (!inflate.write(chunk)) {
        req.pause();
        inflate.once('drain', () => req.resume());
      }
    });
    req.on('end', () => (inflate ? inflate.end() : done()));
    req.on('error', fail);
    inflate?.on('data', (chunk: Buffer) => {
      if (settled) return;
      inflated += chunk.length;
      if (inflated > limits.maxBytes) return fail(tooLarge('请求体', limits));
      if (inflated > GRACE_BYTES && inflated > wire * limits.maxRatio)
        return fail(ratioTooHigh(limits));
      chunks.push(chunk);
    });
    inflate?.on('end', done);
    inflate?.on('error', fail);
  });
}

/** Answers an error of readBoundedBody, or passes on anything else. */
function answer(error: unknown, req: Request, res: Response, next: NextFunction) {
  // Whatever is left of the body is not wanted: drain it, and close after answering.
  req.resume();
  res.setHeader('Connection', 'close');
  if (error instanceof InflationLimitError)
    return sendProblem(res, { code: error.code, detail: error.message });
  if (error instanceof UnsupportedEncodingError)
    return sendProblem(res, { code: error.code, detail: error.message });
  const code = (error as { code?: unknown }).code;
  // zlib's codes (Z_DATA_ERROR …) and brotli's (ERR__ERROR_FORMAT …): not what it says it is.
  if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__')))
    return sendProblem(res, {
      code: 'BODY_NOT_DECOMPRESSIBLE',
      detail: 'the body does not decompress as its Content-Encoding says',
    });
  next(error);
}

/** Like express.raw for every content type, with bounded decompression: req.body is a Buffer. */
export function boundedRaw(limits: InflationLimits): RequestHandler {
  return (req, res, next) => {
    readBoundedBody(req, limits).then(
      (body) => {
        req.body = body;
        next();
      },
      (error: unknown) => answer(error, req, res, next),
    );
  };
}

const JSON_TYPES = /^application\/(json|[^;]*\+json)\s*(;|$)/i;

/**
 * Like express.json, with bounded decompression: a JSON body (application/json or
 * application/*+json) is parsed into req.body; other types are left unread, as express.json does.
 */
export function boundedJson(limits: InflationLimits): RequestHandler {
  return (req, res, next) => {
    if (!JSON_TYPES.test(req.headers['content-type'] ?? '')) return next();
    readBoundedBody(req, limits).then(
      (body) => {
        // The bytes as received (uncompressed): a batch signature covers exactly these.
        res.locals.rawBody = body;
        try {
          req.body = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as unknown);
        } catch {
          return sendProblem(res, { code: 'MALFORMED_JSON', detail: 'the body is not valid JSON' });
        }
        next();
      },
      (error: unknown) => answer(error, req, res, next),
    );
  };
}

/** A size such as 512kb or 5mb (as BODY_LIMIT is written) in bytes. */
export function parseSize(size: string): number {
  const match = /^(\d+)(b|kb|mb|gb)$/i.exec(size.trim());
  if (!match) throw new RangeError(`not a size such as 512kb or 5mb: ${size}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[match[2]!.toLowerCase() as 'b'];
  return Number(match[1]) * unit;
}
