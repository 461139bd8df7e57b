import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const outDir = join(import.meta.dirname, '../../dist/web');

/** Writes .br and .gz beside each script and style, so the hub serves them compressed. */
function precompress(): Plugin {
  return {
    name: 'hub-precompress',
    apply: 'build',
    closeBundle() {
      const assets = join(outDir, 'assets');
      for (const file of readdirSync(assets).filter((f) => /\.(js|css|svg)$/.test(f))) {
        const body = readFileSync(join(assets, file));
        writeFileSync(
          join(assets, `${file}.br`),
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(join(assets, `${file}.gz`), gzipSync(body, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  logLevel: 'warn',
  plugins: [react(), precompress()],
  build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 1500, sourcemap: false },
});
