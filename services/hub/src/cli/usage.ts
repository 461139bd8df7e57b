/** A command used the wrong way: the message says how to use it. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

export type Out = (line: string) => void;
