import { describe, expect, it } from 'vitest';
import { loginUrlFor, safeNextPath } from './safe-next';

describe('safe-next', () => {
  it('honours same-site paths', () => {
    expect(safeNextPath('/settings')).toBe('/settings');
    expect(safeNextPath('/backups/1?tab=snapshots#x')).toBe('/backups/1?tab=snapshots#x');
  });

  it('refuses anything that could leave the site', () => {
    for (const bad of ['https://evil.example/', '//evil.example', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', 'evil', '/\t/evil.example', '', undefined, 42]) {
      expect(safeNextPath(bad)).toBe('/dashboard');
    }
  });

  it('builds /login links with the encoded path', () => {
    expect(loginUrlFor('/backups/new?x=1')).toBe('/login?next=%2Fbackups%2Fnew%3Fx%3D1');
    expect(loginUrlFor('https://evil.example')).toBe('/login');
    expect(loginUrlFor(null)).toBe('/login');
  });
});
