import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled script of a worker thread next to the calling module. Tests run modules from
 * source (src/*.ts), but a worker thread needs JavaScript: then the build's copy is used.
 */
export function builtWorkerScript(url: URL): string {
  const script = fileURLToPath(url);
  if (existsSync(script)) return script;
  // The last src/ in the path is the package's (the checkout itself may sit under a src/).
  const built = script.replace(/([\\/])src([\\/])(?!.*[\\/]src[\\/])/, '$1dist$2');
  if (existsSync(built)) return built;
  throw new Error(`the worker thread needs ${built}: run npm run build`);
}
