#!/bin/sh
":" //; export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX-2}"; case "$1" in restore) semi=4; export UV_THREADPOOL_SIZE="${UV_THREADPOOL_SIZE-8}";; *) semi=2;; esac
":" //; exec node --max-semi-space-size=$semi "$0" "$@"
// The two lines above are read by sh, which starts Node with options chosen per command, and by
// Node as two strings and two comments. They set what must be set before Node starts:
// - --max-semi-space-size (MiB): V8 lets the young generation of a busy process grow to 3 x 16 MiB,
//   and a backup's short-lived objects made it do so. Capped at 2 MiB, 1 GiB first backups peaked
//   20-40 MiB lower at the same speed (no-change backups ~7 % faster: less fresh memory to fault in).
//   A restore gets 4: with 2 its main thread spent ~0.2 s more in scavenges.
// - MALLOC_ARENA_MAX=2: glibc gives every thread that allocates its own malloc arena, and memory
//   freed into an arena stays with the process; blobs decoded on the thread pool and freed on the
//   main thread left restores holding 30-40 MiB more at the peak, and 1 GiB first backups peaked at
//   249-296 MiB (over 300 MB once in six) against 225-255 MiB with two arenas, at the same speed
//   within the noise (6.89 against 6.78 s mean over six alternating pairs).
// - UV_THREADPOOL_SIZE=8 for a restore (see below).
// A variable the caller set wins. Setting them here rather than in a second Node process started by
// this one saves a restore ~0.2-0.3 s. `node bin/coffer.mjs` skips these lines and runs untuned.
//
// The `coffer` command. The engine is TypeScript. To start fast, the CLI is bundled once with the
// esbuild that ships inside tsx into node_modules/.cache/coffer-cli/<hash of the sources>.mjs and
// that file is imported directly on later runs (~0.2 s instead of ~1 s through tsx's loader hooks).
// If bundling is impossible (read-only checkout, esbuild missing) tsx compiles on the fly instead.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'lib/engine/cli/main.ts');

/** A hash of every engine source file's name, size and mtime: any edit gives a new bundle. */
function sourceHash() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const dirent of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, dirent.name);
      if (dirent.isDirectory() && dirent.name !== 'testdata') walk(full);
      else if (dirent.name.endsWith('.ts') && !dirent.name.endsWith('.test.ts')) {
        const st = statSync(full);
        hash.update(`${full}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(path.join(root, 'lib/engine'));
  hash.update(process.version);
  return hash.digest('hex').slice(0, 16);
}

async function bundled() {
  if (process.env.COFFER_NO_BUNDLE) return undefined;
  const cacheDir = path.join(root, 'node_modules/.cache/coffer-cli');
  const outfile = path.join(cacheDir, `${sourceHash()}.mjs`);
  if (!existsSync(outfile)) {
    const require = createRequire(createRequire(import.meta.url).resolve('tsx'));
    const esbuild = require('esbuild');
    mkdirSync(cacheDir, { recursive: true });
    const temp = `${outfile}.${process.pid}.tmp`;
    await esbuild.build({ entryPoints: [entry], outfile: temp, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent' });
    renameSync(temp, outfile);
    // Bundles of older sources are never used again.
    for (const name of readdirSync(cacheDir)) {
      if (name.endsWith('.mjs') && path.join(cacheDir, name) !== outfile) rmSync(path.join(cacheDir, name), { force: true });
    }
  }
  return import(pathToFileURL(outfile).href);
}

// A restore keeps the thread pool busy with reads, decompression and large writes while one of its
// threads waits in the key derivation or on another write to the same file: eight threads instead of
// libuv's four made 1 GiB restores ~4 % faster here. The sh lines above set it; this covers
// `node bin/coffer.mjs restore`. Set before anything uses the pool (libuv reads it once).
if (process.argv[2] === 'restore') process.env.UV_THREADPOOL_SIZE ??= '8';
let cli;
try {
  cli = await bundled();
} catch {
  cli = undefined;
}
if (!cli) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(entry).href);
}
await cli.run();
