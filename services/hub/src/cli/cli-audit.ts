import { hostname, userInfo } from 'node:os';
import {
  AuditTrail,
  type AuditAction,
  type AuditActor,
  type AuditLog,
  type AuditEntry,
  type AuditOrigin,
} from '@hub/audit';
import type { HubConfig } from '../config.js';
import { openAuditLog } from '../compose.js';
import { UsageError } from './usage.js';

/** The person at the terminal, as well as the machine knows: the operating-system user. */
export function cliActor(): AuditActor {
  const { username } = userInfo();
  const sudo = process.env.SUDO_USER;
  return {
    kind: 'cli',
    id: username,
    ...(sudo && sudo !== username ? { name: `sudo by ${sudo}` } : {}),
  };
}

export const cliOrigin = (): AuditOrigin => ({ host: hostname() });

type Known = Pick<AuditEntry, 'subject' | 'purpose' | 'caseId'> & {
  /** How it ended when that is not simply ok (a verification that found problems). */
  result?: AuditEntry['result'];
};

/** What a command adds to its record as it learns it (the id it made, rows it gave out …). */
export type Note = (more: Known) => void;

/**
 * Runs a command's action and puts it on the audit record: ok when it ends, refused for the
 * user's mistake, failed otherwise, with the error's code. The record is written and synced
 * before the command returns; a record that cannot be written fails the command.
 */
export async function cliAudited<T>(
  config: HubConfig,
  action: AuditAction,
  known: Known,
  run: (note: Note) => Promise<T>,
  /** Where the record goes (default: the configured audit log); a move chooses by outcome. */
  logFor: (result: AuditEntry['result']) => AuditLog = () => openAuditLog(config),
): Promise<T> {
  let entry: Known = known;
  const note: Note = (more) => {
    entry = { ...entry, ...more, subject: { ...entry.subject, ...more.subject } };
  };
  const write = async (result: AuditEntry['result']) => {
    const log = logFor(result);
    const { result: _noted, ...told } = entry;
    try {
      await new AuditTrail(log).recordNow({
        ...told,
        actor: cliActor(),
        action,
        from: cliOrigin(),
        result,
      });
    } finally {
      await log.close();
    }
  };
  let result: T;
  try {
    result = await run(note);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    await write({
      outcome: error instanceof UsageError || code === 'AUDIT_RETENTION' ? 'refused' : 'failed',
      code: typeof code === 'string' ? code : 'INTERNAL',
    });
    throw error;
  }
  await write(entry.result ?? { outcome: 'ok' });
  return result;
}
