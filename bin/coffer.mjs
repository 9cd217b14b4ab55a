#!/usr/bin/env -S node --max-semi-space-size=2
// --max-semi-space-size (MiB): V8 lets the young generation of a busy process grow to 3 x 16 MiB, and
// a backup's short-lived objects made it do so. Capped at 2 MiB, 1 GiB first backups peaked 20-40 MiB
// lower at the same speed (no-change backups ~7 % faster: less fresh memory to fault in). The flag
// only takes effect at start-up, so it lives here, where `npx coffer` and a direct run of this file
// pick it up; a restore runs itself again with 4 (see below).
// The `coffer` command. The engine is TypeScript. To start fast, the CLI is bundled once with the
// esbuild that ships inside tsx into node_modules/.cache/coffer-cli/<hash of the sources>.mjs and
// that file is imported directly on later runs (~0.2 s instead of ~1 s through tsx's loader hooks).
// If bundling is impossible (read-only checkout, esbuild missing) tsx compiles on the fly instead.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
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

// glibc gives every thread that allocates its own malloc arena, and memory freed into an arena stays
// with the process. Blobs decompressed on the thread pool and freed on the main thread left restores
// holding 30-40 MiB more at the peak than with two arenas, so `restore` runs itself again with
// MALLOC_ARENA_MAX=2 unless the variable is already set (set it to anything to skip this). Backups
// are left alone: two arenas cost them 7-14 % of their speed in malloc contention, for ~20 MiB.
// A restore keeps the thread pool busy with reads, decompression and large writes while one of its
// threads waits in the key derivation or on another write to the same file: eight threads instead of
// libuv's four made 1 GiB restores ~4 % faster here. Set before anything uses the pool (libuv reads
// it once); UV_THREADPOOL_SIZE set by the caller wins.
if (process.argv[2] === 'restore') process.env.UV_THREADPOOL_SIZE ??= '8';
if (process.platform === 'linux' && process.argv[2] === 'restore' && process.env.MALLOC_ARENA_MAX === undefined) {
  // With a 2 MiB young generation a restore's main thread spent ~0.2 s more in scavenges; with 4 it
  // was as fast as with V8's default and peaked ~15 MiB lower.
  const nodeArgs = [...process.execArgv.filter((a) => !a.startsWith('--max-semi-space-size')), '--max-semi-space-size=4'];
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
  });
  // Ctrl-C reaches both processes (one process group): the child cancels cleanly and its exit code is
  // ours, so SIGINT is not passed on (a second one would make the child stop at once). A SIGTERM or
  // SIGHUP sent to this process alone is passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
} else {
  await main();
}

async function main() {
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
}
