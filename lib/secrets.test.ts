import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecrets } from './secrets';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-secrets-'));

describe('secrets', () => {
  it('generates both secrets once into secrets.json with mode 0600 and logs one line', () => {
    const dir = tempDir();
    const lines: string[] = [];
    const first = loadSecrets(dir, {}, (l) => lines.push(l));
    expect(first.authSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.serverKey).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(first.authSecret);
    expect(lines[0]).not.toContain(first.serverKey);

    const again = loadSecrets(dir, {}, (l) => lines.push(l));
    expect(again).toEqual(first);
    expect(lines).toHaveLength(1);
  });

  it('prefers configured values and writes nothing when both are set', () => {
    const dir = tempDir();
    const configured = { authSecret: 'a'.repeat(40), serverKey: 'b'.repeat(64) };
    expect(loadSecrets(dir, configured, () => {})).toEqual(configured);
    expect(fs.existsSync(path.join(dir, 'secrets.json'))).toBe(false);
  });

  it('refuses an unreadable secrets file instead of silently replacing it', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'secrets.json'), '{not json');
    expect(() => loadSecrets(dir, {}, () => {})).toThrow(/Cannot read .*secrets\.json/);
  });
});
