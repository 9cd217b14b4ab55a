import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWithin, listFolder, PathRefusedError, resolveReadablePath, resolveWritableFolder } from './fs-roots';

let base: string;
let root: string;
let outsideDir: string;

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-roots-')));
  root = path.join(base, 'root');
  outsideDir = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'docs', 'deep'), { recursive: true });
  fs.mkdirSync(outsideDir);
  fs.writeFileSync(path.join(root, 'docs', 'a.txt'), 'a');
  fs.writeFileSync(path.join(outsideDir, 'secret.txt'), 's');
  fs.symlinkSync(outsideDir, path.join(root, 'escape'));
  fs.symlinkSync(path.join(root, 'docs'), path.join(root, 'inner-link'));
  // A sibling whose name starts with the root's name must not count as inside it.
  fs.mkdirSync(`${root}-evil`);
});

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<PathRefusedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PathRefusedError);
  return err as PathRefusedError;
}

describe('isWithin', () => {
  it('accepts the folder itself and its descendants only', () => {
    expect(isWithin('/a/b', '/a/b')).toBe(true);
    expect(isWithin('/a/b', '/a/b/c')).toBe(true);
    expect(isWithin('/a/b', '/a/bc')).toBe(false);
    expect(isWithin('/a/b', '/a')).toBe(false);
    expect(isWithin('/', '/etc')).toBe(true);
  });
});

describe('resolveReadablePath', () => {
  it('returns the real path of a source inside a root', async () => {
    expect(await resolveReadablePath(path.join(root, 'docs'), [root])).toBe(path.join(root, 'docs'));
    expect(await resolveReadablePath(path.join(root, 'inner-link', 'a.txt'), [root])).toBe(path.join(root, 'docs', 'a.txt'));
  });

  it('refuses a path that climbs out with ..', async () => {
    const err = await refusal(resolveReadablePath(path.join(root, '..', 'outside'), [root]));
    expect(err.reason).toBe('outside');
    expect(err.message).toContain(path.join(root, '..', 'outside'));
  });

  it('refuses a symlink that escapes the root, naming where it leads', async () => {
    const err = await refusal(resolveReadablePath(path.join(root, 'escape', 'secret.txt'), [root]));
    expect(err.reason).toBe('outside');
    expect(err.message).toContain(path.join(outsideDir, 'secret.txt'));
  });

  it('refuses a sibling folder that shares the root name as a prefix', async () => {
    expect((await refusal(resolveReadablePath(`${root}-evil`, [root]))).reason).toBe('outside');
  });

  it('refuses a path that does not exist, naming it', async () => {
    const err = await refusal(resolveReadablePath(path.join(root, 'nope'), [root]));
    expect(err.reason).toBe('missing');
    expect(err.message).toBe(`"${path.join(root, 'nope')}" does not exist.`);
  });

  it('refuses relative paths, empty paths and NUL bytes', async () => {
    expect((await refusal(resolveReadablePath('docs', [root]))).reason).toBe('invalid');
    expect((await refusal(resolveReadablePath('  ', [root]))).reason).toBe('invalid');
    expect((await refusal(resolveReadablePath(`${root}/a\0b`, [root]))).reason).toBe('invalid');
  });

  it('refuses a file the server process cannot read', () => {
    const locked = path.join(root, 'locked.txt');
    fs.writeFileSync(locked, 'x');
    fs.chmodSync(locked, 0o000);
    // Root reads everything, so the check runs as an unprivileged user when the tests run as root.
    const script = `import(${JSON.stringify(path.resolve('lib/fs-roots.ts'))}).then((m) => m.resolveReadablePath(${JSON.stringify(locked)}, [${JSON.stringify(root)}])).then(() => console.log('accepted'), (e) => console.log(e.reason))`;
    const node = [process.execPath, '--conditions=react-server', '--import', path.resolve('node_modules/tsx/dist/esm/index.mjs'), '-e', script];
    const asRoot = process.getuid?.() === 0;
    fs.chmodSync(base, 0o755);
    const out = asRoot ? execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...node]) : execFileSync(node[0]!, node.slice(1));
    expect(out.toString().trim()).toBe('unreadable');
  });
});

describe('resolveWritableFolder', () => {
  it('creates a missing target inside a root and returns its real path', async () => {
    const target = path.join(root, 'restore', 'here');
    expect(await resolveWritableFolder(target, [root])).toBe(target);
    expect(fs.statSync(target).isDirectory()).toBe(true);
  });

  it('refuses a target reached through a symlink to outside, creating nothing there', async () => {
    const err = await refusal(resolveWritableFolder(path.join(root, 'escape', 'new'), [root]));
    expect(err.reason).toBe('outside');
    expect(fs.existsSync(path.join(outsideDir, 'new'))).toBe(false);
  });

  it('refuses a target that climbs out with ..', async () => {
    expect((await refusal(resolveWritableFolder(path.join(root, '..', 'elsewhere'), [root]))).reason).toBe('outside');
    expect(fs.existsSync(path.join(base, 'elsewhere'))).toBe(false);
  });

  it('refuses a file as a target folder', async () => {
    expect((await refusal(resolveWritableFolder(path.join(root, 'docs', 'a.txt'), [root]))).reason).toBe('not_directory');
  });
});

describe('listFolder', () => {
  it('lists folders first and shows symlinks as links', async () => {
    const listing = await listFolder(root, [root]);
    const names = listing.entries.map((e) => `${e.type}:${e.name}`);
    expect(names.slice(0, 2)).toEqual(['dir:docs', 'dir:restore']);
    expect(names).toContain('symlink:escape');
  });

  it('refuses to list a folder outside the roots', async () => {
    expect((await refusal(listFolder(outsideDir, [root]))).reason).toBe('outside');
    expect((await refusal(listFolder(path.join(root, 'escape'), [root]))).reason).toBe('outside');
  });
});
