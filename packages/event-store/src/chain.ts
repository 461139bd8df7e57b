/**
 * The hash chain that makes the recorded history tamper-evident. Every recorded event carries
 * `<alg>:<hex>` = alg(chainInput(previous link, event)): its hash covers the previous event's
 * link and its own canonical bytes, so altering, removing, inserting or renumbering any record
 * breaks the chain from there on. The algorithm is written into every link, so a verifier
 * never guesses (a deployment may move from SHA-256 to SM3 mid-history).
 *
 * The canonical bytes (version 1), UTF-8, fields separated by LF (0x0A):
 *
 *   hub-chain-v1
 *   <previous link's hex digest, or 64 zeros for the first record>
 *   <position, decimal>
 *   <stream>
 *   <revision, decimal>
 *   <event id>
 *   <type>
 *   <recorded at, ISO 8601 UTC as stored>
 *   <data: the JSON text as stored>
 *   <metadata: the JSON text as stored>
 *
 * JSON text never holds a raw LF, and stream names, ids and types are refused if they hold
 * a control character, so the fields cannot run into each other.
 */
export const CHAIN_ALGS = ['sha256', 'sm3'] as const;
export type ChainAlg = (typeof CHAIN_ALGS)[number];

export const GENESIS = '0'.repeat(64);

export interface ChainedFields {
  position: bigint | number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  recordedAt: string;
  /** The data and metadata exactly as the store keeps them (JSON text). */
  dataJson: string;
  metadataJson: string;
}

/** The hex digest part of a link (`sm3:ab12…` → `ab12…`), or the genesis value. */
export function digestOfLink(link: string | null | undefined): string {
  if (!link) return GENESIS;
  const colon = link.indexOf(':');
  return colon < 0 ? link : link.slice(colon + 1);
}

export function chainInput(previousLink: string | null | undefined, e: ChainedFields): string {
  return `hub-chain-v1\n${digestOfLink(previousLink)}\n${e.position}\n${e.stream}\n${e.revision}\n${e.id}\n${e.type}\n${e.recordedAt}\n${e.dataJson}\n${e.metadataJson}`;
}

/** The algorithm named by a link, or undefined for a link this version does not know. */
export function algOfLink(link: string): ChainAlg | undefined {
  const alg = link.slice(0, link.indexOf(':'));
  return (CHAIN_ALGS as readonly string[]).includes(alg) ? (alg as ChainAlg) : undefined;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** True when a name (stream, id, type) can be chained unambiguously. */
export const chainableName = (name: string) => !CONTROL.test(name);
