#!/usr/bin/env node
/**
 * `npm start`: builds the production bundle when it is missing or older than the sources, then serves
 * Coffer on PORT (default 3000) and prints the URL to open.
 */
import { spawnSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
process.env.NEXT_TELEMETRY_DISABLED = '1';

const SOURCE_DIRS = ['app', 'components', 'lib', 'public', 'drizzle'];
const SOURCE_FILES = ['next.config.ts', 'package-lock.json', 'postcss.config.mjs', 'tsconfig.json', 'proxy.ts', 'middleware.ts', 'instrumentation.ts'];
const SKIP = /(\.test\.ts$|\/testdata\/)/;

/** A fingerprint of every source file's path, size and mtime. */
function sourceStamp() {
  const hash = crypto.createHash('sha256');
  const visit = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) visit(path.join(p, name));
    } else if (!SKIP.test(p)) {
      hash.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
    }
  };
  for (const d of SOURCE_DIRS) visit(d);
  for (const f of SOURCE_FILES) visit(f);
  return hash.digest('hex');
}

const stampFile = path.join(root, '.next', 'coffer-source-stamp');
const lockFile = path.join(root, '.coffer-build.lock');
const isBuilt = () =>
  fs.existsSync(path.join(root, '.next', 'BUILD_ID')) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === sourceStamp();

/** Takes the build lock (one build at a time in this folder); waits while a live process holds it. */
function takeBuildLock() {
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      let alive = false;
      try {
        process.kill(holder, 0);
        alive = holder > 0;
      } catch {}
      if (!alive) fs.rmSync(lockFile, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
}

if (!isBuilt()) {
  takeBuildLock();
  try {
    if (!isBuilt()) {
      console.log('Coffer: building the production bundle (first start or sources changed)…');
      const stamp = sourceStamp();
      const result = spawnSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], { stdio: 'inherit' });
      if (result.status !== 0) {
        console.error('Coffer: the build failed; see the messages above.');
        process.exit(result.status ?? 1);
      }
      fs.writeFileSync(stampFile, stamp);
    }
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

const port = process.env.PORT || '3000';
const host = process.env.HOSTNAME || '0.0.0.0';
const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
const server = spawn(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', port, '-H', host], {
  stdio: ['ignore', 'pipe', 'inherit'],
  // Two malloc arenas: blob buffers made on the thread pool and freed on the main thread otherwise
  // leave memory behind in per-thread arenas; eight thread-pool threads for restores (see
  // bin/coffer.mjs).
  env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '8' },
});
let announced = false;
server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /Ready in|started server/i.test(String(chunk))) {
    announced = true;
    console.log(`\nCoffer is running: open http://${shownHost}:${port}/\n`);
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
