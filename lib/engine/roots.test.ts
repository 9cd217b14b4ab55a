import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsafePathError } from './errors';
import { insideRoots, realpathOrAncestor } from './roots';
import { cleanup, makeRepo, tempDir } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

describe('allowed roots', () => {
  it('resolves .. and symlinks before comparing', () => {
    const base = tempDir('coffer-roots');
    dirs.push(base);
    fs.mkdirSync(path.join(base, 'allowed/inner'), { recursive: true });
    fs.mkdirSync(path.join(base, 'etc'));
    fs.symlinkSync(path.join(base, 'etc'), path.join(base, 'allowed/link'));
    const roots = [path.join(base, 'allowed')];
    expect(insideRoots(realpathOrAncestor(path.join(base, 'allowed/inner/new/deeper')), roots)).toBe(true);
    expect(insideRoots(realpathOrAncestor(path.join(base, 'allowed/../etc')), roots)).toBe(false);
    expect(insideRoots(realpathOrAncestor(path.join(base, 'allowed/link/x')), roots)).toBe(false);
    expect(insideRoots(realpathOrAncestor(path.join(base, 'allowed-not')), roots)).toBe(false);
  });

  it('refuses backups and restores outside the allowed roots', async () => {
    const base = tempDir('coffer-roots');
    dirs.push(base);
    fs.mkdirSync(path.join(base, 'allowed'));
    fs.mkdirSync(path.join(base, 'etc'));
    fs.writeFileSync(path.join(base, 'etc/passwd'), 'x');
    fs.writeFileSync(path.join(base, 'allowed/ok'), 'ok');
    fs.symlinkSync(path.join(base, 'etc'), path.join(base, 'allowed/link'));
    const allowedRoots = [path.join(base, 'allowed')];
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    await expect(repo.backup([path.join(base, 'allowed/link')], { allowedRoots })).rejects.toBeInstanceOf(UnsafePathError);
    await expect(repo.backup([path.join(base, 'allowed/../etc')], { allowedRoots })).rejects.toBeInstanceOf(UnsafePathError);
    const { snapshot } = await repo.backup([path.join(base, 'allowed')], { allowedRoots });
    await expect(repo.restore(snapshot.id, path.join(base, 'allowed/link/out'), { allowedRoots })).rejects.toBeInstanceOf(UnsafePathError);
    expect(fs.readdirSync(path.join(base, 'etc'))).toEqual(['passwd']);
    const res = await repo.restore(snapshot.id, path.join(base, 'allowed/restored'), { allowedRoots });
    expect(res.files).toBe(2);
  });
});
