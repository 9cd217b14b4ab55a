import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './run-cli';

const OLD = 'old passphrase for the cli';
const NEW = 'new passphrase for the cli';

/** Runs the real `coffer` binary with the old passphrase unless `env` says otherwise (see runCli). */
const coffer = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runCli(args, { COFFER_PASSWORD: OLD, ...env });

let work: string;
let repo: string;
let source: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-cli-maint-'));
  repo = path.join(work, 'repo');
  source = path.join(work, 'src');
  await fs.mkdir(source);
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

// Each command starts a process and derives a key: minutes on a loaded machine.
describe('coffer forget, prune and key', { timeout: 600_000 }, () => {
  it('changes the passphrase with key passwd, after which only the new one opens', async () => {
    expect((await coffer(['init', '--repo', repo])).code).toBe(0);
    await fs.writeFile(path.join(source, 'a.txt'), 'first version\n'.repeat(5000));
    expect((await coffer(['backup', '--repo', repo, source])).code).toBe(0);
    const before = JSON.parse((await coffer(['key', 'list', '--repo', repo, '--json'])).stdout) as { id: string }[];
    expect(before).toHaveLength(1);
    const passwd = await coffer(['key', 'passwd', '--repo', repo, '--json'], { COFFER_NEW_PASSWORD: NEW });
    expect(passwd.stderr).toBe('');
    expect(passwd.code).toBe(0);
    const change = JSON.parse(passwd.stdout) as { added: string; removed: string };
    expect(change.removed).toBe(before[0]!.id);
    const refused = await coffer(['snapshots', '--repo', repo]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('passphrase');
    const ok = await coffer(['snapshots', '--repo', repo, '--json'], { COFFER_PASSWORD: NEW });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toHaveLength(1);
    const last = await coffer(['key', 'remove', change.added, '--repo', repo], { COFFER_PASSWORD: NEW });
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('only key slot');
  });

  it('forgets with --dry-run (nothing removed), then forgets with --prune, and prune finds nothing left', async () => {
    const env = { COFFER_PASSWORD: NEW };
    for (let i = 0; i < 3; i++) {
      await fs.writeFile(path.join(source, 'a.txt'), `version ${i}\n`.repeat(20000 + i * 997));
      expect((await coffer(['backup', '--repo', repo, source], env)).code).toBe(0);
    }
    const dry = await coffer(['forget', '--repo', repo, '--keep-last', '2', '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    const d = JSON.parse(dry.stdout) as { keep: unknown[]; forget: unknown[]; removed: string[] };
    expect([d.keep.length, d.forget.length, d.removed.length]).toEqual([2, 2, 0]);
    const bad = await coffer(['forget', '--repo', repo, '--keep-last', 'two'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--keep-last');
    const run = await coffer(['forget', '--repo', repo, '--keep-last', '2', '--prune'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 kept, 2 removed');
    expect(run.stdout).toContain('prune:');
    const list = JSON.parse((await coffer(['snapshots', '--repo', repo, '--json'], env)).stdout) as unknown[];
    expect(list).toHaveLength(2);
    const prune = await coffer(['prune', '--repo', repo, '--json'], env);
    expect(prune.code).toBe(0);
    const p = JSON.parse(prune.stdout) as { packsDeleted: number; packsRepacked: number; unindexedPacks: number };
    expect(p.packsDeleted + p.packsRepacked + p.unindexedPacks).toBe(0);
    const check = await coffer(['check', '--repo', repo, '--read-data'], env);
    expect(check.code).toBe(0);
    const out = path.join(work, 'out');
    expect((await coffer(['restore', '--repo', repo, 'latest', '--target', out], env)).code).toBe(0);
    expect(await fs.readFile(path.join(out, 'src', 'a.txt'), 'utf8')).toBe('version 2\n'.repeat(20000 + 2 * 997));
  });
});
