import { z } from 'zod';

/** Look-alikes of the name dot used by input methods; the canonical one is U+00B7. */
const DOT_LOOKALIKES = /[\u2022\u2027\u2219\u22C5\u30FB\uFF0E\uFF65\u16EB]/g;
/** Control characters, zero-width and bidirectional controls: never legitimate in a name. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** Returns what is wrong with a name, or undefined when it is acceptable. */
export function personNameProblem(value: string): string | undefined {
  if (FORBIDDEN.test(value)) {
    const c = value.match(FORBIDDEN)?.[0] ?? '';
    const hex = c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    return `name contains the invisible or control character U+${hex}`;
  }
  const trimmed = value.trim();
  if (trimmed.length === 0) return 'name is empty';
  if (trimmed.length > 64) return 'name is longer than 64 characters';
  return undefined;
}

/** NFC, trimmed, with every look-alike of the name dot replaced by U+00B7 (e.g. 阿卜杜拉·买买提). */
export function normalisePersonName(value: string): string {
  return value.normalize('NFC').trim().replace(DOT_LOOKALIKES, '\u00B7');
}

export const PersonName = z
  .string()
  .superRefine((value, ctx) => {
    const problem = personNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normalisePersonName)
  .describe('Name of a natural person, NFC, with U+00B7 as the name dot');
