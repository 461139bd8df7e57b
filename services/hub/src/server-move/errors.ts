/**
 * Moving an embedded hub into PostgreSQL was refused before anything it names was written: the
 * message (Chinese, then English) says what stands in the way and what to do.
 */
export class MoveRefusedError extends Error {
  readonly code = 'MOVE_REFUSED';
  constructor(zh: string, en: string) {
    super(`${zh} / ${en}`);
  }
}
