/**
 * A streaming CSV reader (RFC 4180: quoted fields, doubled quotes, newlines inside quotes,
 * CRLF or LF, a UTF-8 BOM): yields each record with the line it starts on, without holding
 * the file in memory. State carries across chunks, so a chunk may end anywhere.
 */
export async function* readCsvRecords(
  chunks: AsyncIterable<string | Buffer>,
): AsyncGenerator<{ line: number; fields: string[] }> {
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  /** Inside quotes, a quote was seen: a doubled quote or the end of the quoted part. */
  let quoteSeen = false;
  let line = 1;
  let recordLine = 1;
  let first = true;
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
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
      if (c === '"' && field.length === 0) quoted = true;
      else if (c === ',') {
        fields.push(field);
        field = '';
      } else if (c === '\n') {
        fields.push(field);
        const record = { line: recordLine, fields };
        field = '';
        fields = [];
        line++;
        recordLine = line;
        if (!(record.fields.length === 1 && record.fields[0] === '')) yield record;
      } else if (c !== '\r') field += c;
    }
  }
  if (field.length > 0 || fields.length > 0) {
    fields.push(field);
    yield { line: recordLine, fields };
  }
}
