/** One PEM block (RFC 7468): its label and DER body. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----\s*$/;

/** The single block of a PEM text, or undefined for anything else (then node's decoders decide). */
export function readPem(text: string): PemBlock | undefined {
  const match = PEM.exec(text);
  if (!match) return undefined;
  return { label: match[1]!, der: Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64') };
}

export function toPem(label: 'PUBLIC KEY' | 'PRIVATE KEY', der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
