/** A command used the wrong way: the message, Chinese first then English, says how to use it. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** A UsageError whose message is `zh / en`. */
export function usage(zh: string, en: string): UsageError {
  return new UsageError(`${zh} / ${en}`);
}

export type Out = (line: string) => void;

export type Flags = Record<string, string | true>;

/**
 * The value of `--name`, or undefined when absent. A flag given without a value (`--unit` at
 * the end, or followed by another flag) is a mistake, not an absent flag.
 */
export function flagValue(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (value === true || value === '') throw usage(`--${name} 缺少取值`, `--${name} needs a value`);
  return value;
}

/** Refuses flags a command does not know: a typo (`--peroid`) must not pass unnoticed. */
export function onlyFlags(command: string, flags: Flags, known: readonly string[]): void {
  const unknown = Object.keys(flags).filter((f) => !known.includes(f));
  if (unknown.length === 0) return;
  const takes = known.length > 0 ? known.map((f) => `--${f}`).join(' ') : '无 / none';
  throw usage(
    `未知选项 ${unknown.map((f) => `--${f}`).join(' ')}（${command} 可用：${takes}）`,
    `unknown option ${unknown.map((f) => `--${f}`).join(' ')} (${command} takes: ${takes})`,
  );
}

const DIVISION = /^[1-8]\d{5}$/;

/**
 * A division code as a command takes it: six digits, in a province that exists. (Whether a
 * city or district exists is asked of the data where it matters: see known-units.ts.)
 */
export function divisionFlag(
  flags: Flags,
  name: string,
  isProvince: (code: string) => boolean,
): string | undefined {
  const code = flagValue(flags, name);
  if (code === undefined) return undefined;
  checkDivision(code, `--${name}`, isProvince);
  return code;
}

export function checkDivision(code: string, what: string, isProvince: (c: string) => boolean) {
  if (!DIVISION.test(code))
    throw usage(
      `${what} 应为 6 位行政区划代码（GB/T 2260），收到 "${code}"`,
      `${what} must be a 6-digit division code (GB/T 2260), got "${code}"`,
    );
  if (!isProvince(`${code.slice(0, 2)}0000`))
    throw usage(
      `${what} ${code}：没有以 ${code.slice(0, 2)} 开头的省级行政区`,
      `${what} ${code}: no province has the code ${code.slice(0, 2)}0000`,
    );
}
