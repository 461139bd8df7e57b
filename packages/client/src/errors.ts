/** A problem+json answer of the hub, as a typed error: `code` is stable, `titleZh` for people. */
export class HubProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly titleZh: string;
  readonly detail: string | undefined;
  readonly detailZh: string | undefined;
  /** Each problem of a refused batch: the event's index, a JSON Pointer, the message. */
  readonly errors: ReadonlyArray<{ index?: number; pointer?: string; message: string }>;

  constructor(problem: HubProblem) {
    super(
      `${problem.code}: ${problem.titleZh} / ${problem.title}${problem.detail ? ` — ${problem.detail}` : ''}`,
    );
    this.name = 'HubProblemError';
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.titleZh = problem.titleZh;
    this.detail = problem.detail;
    this.detailZh = problem.detailZh;
    this.errors = problem.errors ?? [];
  }
}

export interface HubProblem {
  type?: string;
  status: number;
  code: string;
  title: string;
  titleZh: string;
  detail?: string;
  detailZh?: string;
  errors?: Array<{ index?: number; pointer?: string; message: string }>;
}

/** The hub could not be reached, or answered something that is not the hub's (after retries). */
export class HubUnavailableError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'HubUnavailableError';
  }
}
