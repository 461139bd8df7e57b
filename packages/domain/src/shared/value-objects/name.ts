import { z } from 'zod';

/**
 * Characters that show nothing or change how the rest shows: controls, format characters
 * (zero-width space and joiners, bidi controls, soft hyphen, BOM), lone surrogates, line and
 * paragraph separators, and Unicode's default-ignorable code points (variation selectors,
 * Hangul fillers …), plus the blank braille pattern. A name holding one looks the same as a
 * name without it but compares, hashes and counts differently, so it is never legitimate.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;
/** Spaces that look like U+0020 (no-break, thin, figure …); U+3000 is a character of its own. */
const SPACE_LOOKALIKES = /[\u00A0\u1680\u2000-\u200A\u202F\u205F]/g;
/** Look-alikes of the name dot used by input methods; the canonical one is U+00B7. */
const DOT_LOOKALIKES = /[\u2022\u2027\u2219\u22C5\u30FB\uFF0E\uFF65\u16EB]/g;

/** What a name names, how long it may be, and how a message calls it. */
export const NAME_KINDS = {
  person: { maxLength: 64, labelZh: '姓名', label: 'name' },
  organisation: { maxLength: 200, labelZh: '名称', label: 'name' },
  category: { maxLength: 64, labelZh: '类别名称', label: 'category' },
  platform: { maxLength: 128, labelZh: '网站或平台名称', label: 'platform name' },
} as const;
export type NameKind = keyof typeof NAME_KINDS;

export const NAME_PROBLEM_CODES = [
  'NAME_EMPTY',
  'NAME_TOO_LONG',
  'NAME_INVISIBLE_CHARACTER',
] as const;
export interface NameProblem {
  code: (typeof NAME_PROBLEM_CODES)[number];
  /** Chinese first, then English. */
  message: string;
}

/**
 * Whether a text holds only printable ASCII, CJK unified ideographs (U+4E00–U+9FFF) and the
 * full-width parentheses that enterprise names use: what nearly every name is. Such a text has
 * no invisible character, is its own NFC form (none of them decomposes or combines), holds no
 * look-alike space or dot, and has as many characters as UTF-16 units, so it is checked and
 * normalised without Unicode tables (a test holds this against the general way).
 */
function isPlainText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x20 && c <= 0x7e) || (c >= 0x4e00 && c <= 0x9fff) || c === 0xff08 || c === 0xff09))
      return false;
  }
  return true;
}

/** NFC, trimmed, look-alike spaces as U+0020; person names also get U+00B7 as the name dot. */
export function normaliseName(value: string, kind: NameKind = 'organisation'): string {
  if (isPlainText(value)) return value.trim();
  const text = value.normalize('NFC').replace(SPACE_LOOKALIKES, ' ').trim();
  return kind === 'person' ? text.replace(DOT_LOOKALIKES, '\u00B7') : text;
}

/** Length as people count characters: code points of the normalised name, not UTF-16 units. */
export const nameLength = (value: string): number => [...value].length;

/** The normalised name, or what is wrong with the name. */
export function checkedName(
  value: string,
  kind: NameKind,
  maxLength: number = NAME_KINDS[kind].maxLength,
): { name: string; problem?: undefined } | { problem: NameProblem; name?: undefined } {
  const { labelZh, label } = NAME_KINDS[kind];
  const plain = isPlainText(value);
  const invisible = plain ? undefined : INVISIBLE.exec(value)?.[0];
  if (invisible !== undefined) {
    const hex = invisible.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return {
      problem: {
        code: 'NAME_INVISIBLE_CHARACTER',
        message: `${labelZh}含不可见字符或控制字符 U+${hex}（如零宽空格、方向控制符），请删除后重新提交；${label} contains the invisible or control character U+${hex}`,
      },
    };
  }
  const name = plain ? value.trim() : normaliseName(value, kind);
  const length = plain ? name.length : nameLength(name);
  if (length === 0)
    return { problem: { code: 'NAME_EMPTY', message: `${labelZh}为空；${label} is empty` } };
  if (length > maxLength)
    return {
      problem: {
        code: 'NAME_TOO_LONG',
        message: `${labelZh}超过 ${maxLength} 个字符（${length} 个）；${label} is longer than ${maxLength} characters (${length})`,
      },
    };
  return { name };
}

/** What is wrong with a name, or undefined when it is acceptable. */
export function nameProblem(
  value: string,
  kind: NameKind,
  maxLength: number = NAME_KINDS[kind].maxLength,
): NameProblem | undefined {
  return checkedName(value, kind, maxLength).problem;
}

/**
 * A name as a value object: refused with a coded problem when it holds an invisible character,
 * is empty or too long (in characters), and normalised otherwise. Every name field of every
 * event and request uses it, so that equal-looking names are equal.
 */
export function nameSchema(kind: NameKind, maxLength: number = NAME_KINDS[kind].maxLength) {
  return z
    .string()
    .transform((value, ctx) => {
      // Checked and normalised in one go: the check needs the normalised length.
      const { name, problem } = checkedName(value, kind, maxLength);
      if (name !== undefined) return name;
      // `continue`: the checks of the enclosing objects still run and report their problems
      // beside this one, as they did when names were checked by a refinement.
      ctx.addIssue({
        code: 'custom',
        message: problem.message,
        params: { code: problem.code },
        continue: true,
      });
      return value;
    })
    .meta({
      description: `${NAME_KINDS[kind].labelZh}: 1-${maxLength} characters (code points), NFC, no invisible or control characters`,
      // Kept by fields that describe themselves further, so tests and readers of the JSON
      // Schema can tell every name field.
      'x-name-kind': kind,
      'x-max-characters': maxLength,
    });
}

/** An enterprise, institution, authority, court or department. */
export const OrganisationName = nameSchema('organisation');
/** An operation category or item (作业类别/操作项目), or the work someone does. */
export const CategoryName = nameSchema('category');
