// The IDLs are read at build time from target/idl (written by `cargo xtask build-sbf`), or
// from CIVNET_IDL_DIR: a changed program interface flows into the page with the next build.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const idlDir = process.env.CIVNET_IDL_DIR ?? path.resolve(here, '../../target/idl');

export default defineConfig({
  base: './',
  resolve: { alias: { '@idl': idlDir } },
  define: { global: 'globalThis' },
  build: { target: 'es2022', chunkSizeWarningLimit: 1500, reportCompressedSize: true },
  server: { fs: { allow: [here, idlDir] } },
});
