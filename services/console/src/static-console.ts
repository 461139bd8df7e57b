import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { Router, type Request, type Response } from 'express';

/** The console's own pages: every other path belongs to the API and answers as before. */
export const CONSOLE_PAGES = [
  '/',
  '/signin',
  '/account',
  '/dashboard',
  '/forms',
  '/ledger',
  '/clues',
  '/worklist',
  '/cases',
  '/penalty',
  '/check',
  '/screening',
  '/intake',
  '/activity',
  '/audit-trail',
  '/admin',
];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Nothing is loaded from elsewhere: scripts, styles and images come from this origin only
 * (antd writes its styles inline), and no other site may frame the console.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the built web application: hashed assets for a year, precompressed (Brotli or gzip,
 * written at build time), and index.html for each console page (the application routes
 * itself in the browser).
 */
export function staticConsole(webDir: string, indexHtml: string): Router {
  const router = Router();
  const page = (_req: Request, res: Response) => {
    res
      .setHeader('Content-Security-Policy', CSP)
      .setHeader('X-Content-Type-Options', 'nosniff')
      .setHeader('Cache-Control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(indexHtml);
  };
  for (const path of CONSOLE_PAGES) router.get(path === '/' ? '/' : [path, `${path}/*rest`], page);
  const assets = normalize(join(webDir, 'assets'));
  router.get('/assets/*file', (req, res, next) => {
    const file = normalize(join(webDir, req.path));
    if (!file.startsWith(assets + '/') || !existsSync(file) || !statSync(file).isFile())
      return next();
    const accepts = req.header('accept-encoding') ?? '';
    const encoding =
      /\bbr\b/.test(accepts) && existsSync(`${file}.br`)
        ? 'br'
        : /\bgzip\b/.test(accepts) && existsSync(`${file}.gz`)
          ? 'gzip'
          : undefined;
    res
      .setHeader('Cache-Control', 'public, max-age=31536000, immutable')
      .setHeader('X-Content-Type-Options', 'nosniff')
      .setHeader('Vary', 'Accept-Encoding')
      .type(TYPES[extname(file)] ?? 'application/octet-stream');
    if (encoding) res.setHeader('Content-Encoding', encoding);
    res.send(readFileSync(encoding ? `${file}.${encoding === 'br' ? 'br' : 'gz'}` : file));
  });
  return router;
}
