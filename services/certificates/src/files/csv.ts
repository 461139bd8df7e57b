export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * An RFC 4180 parser (quoted fields, doubled quotes, newlines inside quotes, CRLF or LF, a
 * UTF-8 BOM) fed text in pieces: each piece gives back the records it completed, each with
 * the line it starts on. State carries across pieces, so a piece may end anywhere.
 */
export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private quoted = false;
  /** Inside quotes, a quote was seen: a doubled quote or the end of the quoted part. */
  private quoteSeen = false;
  private line: number;
  private recordLine: number;
  private first = true;

  constructor(firstLine = 1) {
    this.line = this.recordLine = firstLine;
  }

  push(piece: string): CsvRecord[] {
    let text = piece;
    if (this.first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    const records: CsvRecord[] = [];
    let { field, fields, quoted, quoteSeen, line } = this;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (c === '"') {
            field += '"';
            continue;
          }
          quoted = false; // the quoted part ended; c is read below as unquoted
        } else if (c === '"') {
          quoteSeen = true;
          continue;
        } else {
          if (c === '\n') line++;
          field += c;
          continue;
        }
      }
      // Ordinary characters are taken as one slice, not one by one.
      let end = i;
      for (; end < text.length; end++) {
        const code = text.charCodeAt(end);
        if (code === 44 || code === 10 || code === 13 || code === 34) break; // , \n \r "
      }
      if (end > i) {
        field += text.slice(i, end);
        i = end - 1;
        continue;
      }
      if (c === '"' && field.length === 0) quoted = true;
      else if (c === ',') {
        fields.push(field);
        field = '';
      } else if (c === '\n') {
        fields.push(field);
        const record = { line: this.recordLine, fields };
        field = '';
        fields = [];
        line++;
        this.recordLine = line;
        if (!(record.fields.length === 1 && record.fields[0] === '')) records.push(record);
      } else if (c !== '\r') field += c;
    }
    Object.assign(this, { field, fields, quoted, quoteSeen, line });
    return records;
  }

  /** The last record, when the text did not end with a newline. */
  end(): CsvRecord[] {
    if (this.field.length === 0 && this.fields.length === 0) return [];
    const record = { line: this.recordLine, fields: [...this.fields, this.field] };
    this.field = '';
    this.fields = [];
    return [record];
  }
}

/** Every record of a complete CSV text (or of whole records cut from one, from `firstLine`). */
export function parseCsvText(text: string, firstLine = 1): CsvRecord[] {
  const parser = new CsvParser(firstLine);
  return [...parser.push(text), ...parser.end()];
}

/** Records of a CSV stream, without holding the file in memory. */
export async function* readCsvRecords(
  chunks: AsyncIterable<string | Buffer>,
): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser();
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks)
    yield* parser.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  yield* parser.end();
}

/**
 * A CSV stream cut into pieces of whole records (about `records` each), each with the line it
 * starts on, for parsing elsewhere (e.g. on the thread that screens them). Only quotes and
 * newlines are looked at here: a newline ends a record when the quotes before it are paired.
 */
export async function* csvRecordRuns(
  chunks: AsyncIterable<string | Buffer>,
  records: number,
): AsyncGenerator<{ text: string; firstLine: number }> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let firstLine = 1;
  let quoted = false;
  /** Where scanning resumes in `pending`, and the records and lines seen up to there. */
  let scanned = 0;
  let count = 0;
  let lines = 0;
  let first = true;
  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    pending += text;
    // The next quote is searched for again only once passed: most rosters have none at all.
    let quote = pending.indexOf('"', scanned);
    for (let i = scanned; i < pending.length;) {
      if (quote >= 0 && quote < i) quote = pending.indexOf('"', i);
      const newline = pending.indexOf('\n', i);
      if (newline < 0 && quote < 0) break;
      if (quote >= 0 && (newline < 0 || quote < newline)) {
        quoted = !quoted; // a doubled quote flips twice
        i = quote + 1;
        continue;
      }
      lines++;
      i = newline + 1;
      if (quoted) continue;
      if (++count < records) continue;
      yield { text: pending.slice(0, newline + 1), firstLine };
      firstLine += lines;
      pending = pending.slice(newline + 1);
      quote = pending.indexOf('"');
      i = 0;
      count = lines = 0;
    }
    scanned = pending.length;
  }
  if (pending.length > 0) yield { text: pending, firstLine };
}
