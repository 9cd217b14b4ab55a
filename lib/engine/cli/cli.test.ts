import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './run-cli';

const PASSWORD = 'correct horse battery staple';

/** Runs the real `coffer` binary with the test passphrase (see runCli). */
const coffer = (args: string[], options: { env?: Record<string, string | undefined>; uid?: number } = {}): Promise<CliRun> =>
  runCli(args, { COFFER_PASSWORD: PASSWORD, ...options.env }, options.uid);

let work: string;
let source: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-cli-'));
  await fs.chmod(work, 0o777);
  source = path.join(work, 'src');
  await fs.mkdir(path.join(source, 'docs/deep'), { recursive: true });
  await fs.writeFile(path.join(source, 'docs/readme.txt'), 'hello coffer\n'.repeat(1000));
  await fs.writeFile(path.join(source, 'docs/deep/data.bin'), Buffer.alloc(3_000_001, 0xab));
  await fs.writeFile(path.join(source, 'empty'), '');
  await fs.symlink('docs/readme.txt', path.join(source, 'link'));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

// Every command derives a key (argon2id, 64 MiB) and starts a process: on a loaded 2-core machine a
// test with ten commands can take minutes.
describe('coffer CLI', { timeout: 600_000 }, () => {
  it('prints usage for --help and refuses unknown commands with one line', async () => {
    const help = await coffer(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('coffer restore   --repo PATH SNAPSHOT --target DIR');
    const bad = await coffer(['explode']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('unknown command "explode"');
  });

  it('starts Node through the sh lines of bin/coffer.mjs with the options of each command', async () => {
    const bin = path.resolve(import.meta.dirname, '../../../bin/coffer.mjs');
    // A `node` first on PATH that prints what it was started with instead of running anything.
    const fake = path.join(work, 'fake-node');
    await fs.mkdir(fake, { recursive: true });
    await fs.writeFile(
      path.join(fake, 'node'),
      '#!/bin/sh\nprintf "%s\\n" "MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX-unset}" "UV_THREADPOOL_SIZE=${UV_THREADPOOL_SIZE-unset}" "$@"\n',
      { mode: 0o755 },
    );
    const started = (args: string[], env: Record<string, string> = {}) => {
      const environment: Record<string, string | undefined> = { ...process.env, ...env, PATH: `${fake}:${process.env.PATH}` };
      for (const key of ['MALLOC_ARENA_MAX', 'UV_THREADPOOL_SIZE']) if (!(key in env)) delete environment[key];
      const out = execFileSync(bin, args, { env: environment as NodeJS.ProcessEnv });
      return out.toString().trimEnd().split('\n');
    };
    expect(started(['restore', 'latest', '--target', 'a folder'])).toEqual([
      'MALLOC_ARENA_MAX=2',
      'UV_THREADPOOL_SIZE=8',
      '--max-semi-space-size=4',
      bin,
      'restore',
      'latest',
      '--target',
      'a folder',
    ]);
    expect(started(['restore'], { MALLOC_ARENA_MAX: '8', UV_THREADPOOL_SIZE: '3' }).slice(0, 3)).toEqual([
      'MALLOC_ARENA_MAX=8',
      'UV_THREADPOOL_SIZE=3',
      '--max-semi-space-size=4',
    ]);
    expect(started(['backup', '--repo', 'r', '/x'])).toEqual([
      'MALLOC_ARENA_MAX=2',
      'UV_THREADPOOL_SIZE=unset',
      '--max-semi-space-size=2',
      bin,
      'backup',
      '--repo',
      'r',
      '/x',
    ]);
    // And with the real Node the file runs as a program.
    const help = execFileSync(bin, ['--help']).toString();
    expect(help).toContain('coffer restore   --repo PATH SNAPSHOT --target DIR');
  });

  it('initialises, backs up, lists, restores and checks an encrypted repository', async () => {
    const repo = path.join(work, 'enc');
    const init = await coffer(['init', '--repo', repo]);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/created encrypted repository/);

    const backup = await coffer(['backup', '--repo', repo, '--tag', 'first', source]);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/snapshot [0-9a-f]{8} saved/);

    const listed = await coffer(['snapshots', '--repo', repo, '--json']);
    expect(listed.code).toBe(0);
    const snapshots = JSON.parse(listed.stdout) as { id: string; tags: string[]; summary: { files: number } }[];
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]!.tags).toEqual(['first']);
    const id = snapshots[0]!.id;

    const ls = await coffer(['ls', '--repo', repo, id.slice(0, 6), 'src/docs']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('src/docs/readme.txt');
    expect(ls.stdout).toContain('src/docs/deep');
    const lsJson = JSON.parse((await coffer(['ls', '--repo', repo, 'latest', 'src', '--json'])).stdout) as { name: string; type: string; target?: string }[];
    expect(lsJson.find((e) => e.name === 'link')).toMatchObject({ type: 'symlink', target: 'docs/readme.txt' });

    const target = path.join(work, 'restored');
    const restore = await coffer(['restore', '--repo', repo, 'latest', '--target', target]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(await fs.readFile(path.join(target, 'src/docs/deep/data.bin'))).toEqual(await fs.readFile(path.join(source, 'docs/deep/data.bin')));
    expect(await fs.readFile(path.join(target, 'src/docs/readme.txt'), 'utf8')).toBe('hello coffer\n'.repeat(1000));
    expect(await fs.readlink(path.join(target, 'src/link'))).toBe('docs/readme.txt');
    expect((await fs.stat(path.join(target, 'src/empty'))).size).toBe(0);

    const partial = path.join(work, 'partial');
    const only = await coffer(['restore', '--repo', repo, id, '--target', partial, '--include', 'src/docs/readme.txt']);
    expect(only.code).toBe(0);
    expect(await fs.readdir(path.join(partial, 'src'))).toEqual(['docs']);

    const check = await coffer(['check', '--repo', repo, '--read-data']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('no errors found');
    const subset = await coffer(['check', '--repo', repo, '--read-data-subset', '50%', '--json']);
    expect(subset.code).toBe(0);
    expect(JSON.parse(subset.stdout)).toMatchObject({ ok: true });
  });

  it('refuses a wrong passphrase with exit 1 and one line on stderr', async () => {
    const repo = path.join(work, 'wrong');
    expect((await coffer(['init', '--repo', repo])).code).toBe(0);
    const wrong = await coffer(['snapshots', '--repo', repo], { env: { COFFER_PASSWORD: 'not it' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/^coffer: .*passphrase/i);
    const none = await coffer(['snapshots', '--repo', repo], { env: { COFFER_PASSWORD: undefined } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('set COFFER_PASSWORD or use --password-file');
  });

  it('reads the passphrase from --password-file and works without encryption', async () => {
    const repo = path.join(work, 'file');
    const file = path.join(work, 'pw.txt');
    await fs.writeFile(file, 'from a file\n');
    expect((await coffer(['init', '--repo', repo, '--password-file', file], { env: { COFFER_PASSWORD: undefined } })).code).toBe(0);
    expect((await coffer(['snapshots', '--repo', repo], { env: { COFFER_PASSWORD: 'from a file' } })).code).toBe(0);

    const plain = path.join(work, 'plain');
    const env = { COFFER_PASSWORD: undefined };
    expect((await coffer(['init', '--repo', plain, '--no-encryption'], { env })).code).toBe(0);
    const backup = await coffer(['backup', '--repo', plain, '--json', source], { env });
    expect(backup.code).toBe(0);
    expect(JSON.parse(backup.stdout)).toMatchObject({ summary: { warnings: [] } });
  });

  it('prints no progress bar when output is piped', async () => {
    const repo = path.join(work, 'piped');
    expect((await coffer(['init', '--repo', repo])).code).toBe(0);
    const backup = await coffer(['backup', '--repo', repo, source]);
    expect(backup.code).toBe(0);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).not.toContain('\r');
  });

  it('exits 3 and lists the file when a backup finishes with warnings', async () => {
    const repo = path.join(work, 'warn');
    const tree = path.join(work, 'warn-src');
    await fs.mkdir(tree, { mode: 0o777 });
    await fs.writeFile(path.join(tree, 'ok.txt'), 'fine');
    await fs.writeFile(path.join(tree, 'secret.txt'), 'hidden');
    await fs.chmod(path.join(tree, 'secret.txt'), 0o000);
    // root reads any file, so the backup runs as an unprivileged user when the test runs as root.
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    const env = { COFFER_PASSWORD: undefined, HOME: work };
    expect((await coffer(['init', '--repo', repo, '--no-encryption'], { env, uid })).code).toBe(0);
    const backup = await coffer(['backup', '--repo', repo, tree], { env, uid });
    expect(backup.code).toBe(3);
    expect(backup.stderr).toContain('secret.txt');
    expect(backup.stderr.trim().split('\n').at(-1)).toBe('coffer: backup finished with 1 warning');
    const ls = await coffer(['ls', '--repo', repo, 'latest', 'warn-src'], { env, uid });
    expect(ls.stdout).toContain('warn-src/ok.txt');
  });

  it('reports a damaged pack from check with exit 1', async () => {
    const repo = path.join(work, 'damaged');
    expect((await coffer(['init', '--repo', repo])).code).toBe(0);
    expect((await coffer(['backup', '--repo', repo, source])).code).toBe(0);
    const dataDir = path.join(repo, 'data');
    const [sub] = await fs.readdir(dataDir);
    const [pack] = await fs.readdir(path.join(dataDir, sub!));
    const file = path.join(dataDir, sub!, pack!);
    const bytes = await fs.readFile(file);
    bytes[10] = bytes[10]! ^ 0xff;
    await fs.writeFile(file, bytes);
    const check = await coffer(['check', '--repo', repo, '--read-data']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(pack!);
    expect(check.stderr).toMatch(/^coffer: check found \d+ problems/);
  });
});
