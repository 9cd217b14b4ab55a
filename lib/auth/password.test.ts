import { hash, parseOptions } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, passwordProblem, verifyPassword } from './password';

describe('password', () => {
  it('round-trips: a hash verifies its password and refuses another', async () => {
    const stored = await hashPassword('correct horse battery staple 42');
    expect(stored).not.toContain('correct horse');
    expect(await verifyPassword(stored, 'correct horse battery staple 42')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery staple 43')).toBe(false);
  });

  it('hashes with argon2id, m=19 MiB, t=2, p=1', async () => {
    const stored = await hashPassword('another fine passphrase');
    expect(stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    const p = parseOptions(stored);
    expect([p.memoryCost, p.timeCost, p.parallelism]).toEqual([19456, 2, 1]);
    expect(needsRehash(stored)).toBe(false);
  });

  it('asks for a rehash when the stored parameters differ', async () => {
    const weaker = await hash('another fine passphrase', { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    expect(needsRehash(weaker)).toBe(true);
    expect(needsRehash('not a hash')).toBe(true);
  });

  it('treats a malformed stored hash as a mismatch', async () => {
    expect(await verifyPassword('$argon2id$garbage', 'whatever it is')).toBe(false);
  });

  it('accepts 10 to 256 characters and refuses the rest', () => {
    expect(passwordProblem('a'.repeat(9) )).toMatch(/at least 10/);
    expect(passwordProblem('xq7-plume-9')).toBeNull();
    expect(passwordProblem('k'.repeat(3) + 'z'.repeat(7))).toBeNull();
    expect(passwordProblem('y'.repeat(256))).toBeNull();
    expect(passwordProblem('y'.repeat(257))).toMatch(/at most 256/);
  });

  it('refuses common passwords whatever their case, with no composition rules', () => {
    expect(passwordProblem('password123')).toMatch(/too common/);
    expect(passwordProblem('QwertyUiop')).toMatch(/too common/);
    expect(passwordProblem('1234567890')).toMatch(/too common/);
    expect(passwordProblem('lowercase only words here')).toBeNull();
  });
});
