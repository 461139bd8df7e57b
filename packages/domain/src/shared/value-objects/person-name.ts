import { nameProblem, nameSchema, normaliseName } from './name.js';

/** Returns what is wrong with a person's name, or undefined when it is acceptable. */
export function personNameProblem(value: string): string | undefined {
  return nameProblem(value, 'person')?.message;
}

/** NFC, trimmed, with every look-alike of the name dot replaced by U+00B7 (e.g. 阿卜杜拉·买买提). */
export function normalisePersonName(value: string): string {
  return normaliseName(value, 'person');
}

/** Name of a natural person, at most 64 characters, with U+00B7 as the name dot. */
export const PersonName = nameSchema('person');
