export * from './console-router.js';
export * from './console-store.js';
export * from './sqlite-console-store.js';
export * from './postgres-console-store.js';
export * from './session-auth.js';
export * from './passwords.js';
export { CONSOLE_PAGES } from './static-console.js';
import { fileURLToPath } from 'node:url';
/** Where `npm run build` puts the web application (index.html and assets). */
export const CONSOLE_WEB_DIR = fileURLToPath(new URL('../dist/web', import.meta.url));
export type { SheetIntake, SheetInfo, SheetIntakeResult } from './console-intake.js';
