import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuditBody, AuditRecord } from '../record.js';

export interface AppendRequest {
  id: number;
  bodies: readonly AuditBody[];
  durable: boolean;
}

export interface AppendReply {
  id: number;
  records?: AuditRecord[];
  error?: { message: string; code?: string };
}

/**
 * The compiled script of a worker thread next to the calling module. Tests run modules from
 * source (src/*.ts), but a worker thread needs JavaScript: then the build's copy is used.
 * (As @hub/read-models does; not imported from there, to keep this package's dependencies few.)
 */
export function builtWorkerScript(url: URL): string {
  const script = fileURLToPath(url);
  if (existsSync(script)) return script;
  const built = script.replace(/([\\/])src([\\/])(?!.*[\\/]src[\\/])/, '$1dist$2');
  if (existsSync(built)) return built;
  throw new Error(`the worker thread needs ${built}: run npm run build`);
}
