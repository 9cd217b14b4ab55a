/**
 * Password rules and hashing. Passwords are 10 to 256 characters with no composition rules; the most common
 * ones are refused. They are hashed with argon2id (m=19 MiB, t=2, p=1, OWASP's recommendation) and rehashed
 * at sign-in when these parameters change. Nothing here ever logs a password.
 */
import 'server-only';
import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { COMMON_PASSWORDS } from './common-passwords';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-limits';

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-limits';

/** The argon2id parameters new hashes use; hashes made with others are replaced at the next sign-in. */
export const ARGON2_PARAMS = {
  // `Algorithm` is an ambient const enum; 2 is Argon2id (its value is part of the package's API).
  algorithm: 2 as Algorithm,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} satisfies Options;

/**
 * Why a password is refused, as a sentence for the form, or null when it is acceptable. Length is checked
 * first so a very long input never reaches the list lookup.
 */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'This password is too common. Choose one that is harder to guess.';
  return null;
}

/** Hashes a password with the current argon2id parameters; returns the PHC string to store. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

/**
 * True when `password` matches `stored`. A malformed stored hash counts as a mismatch (and is logged
 * without the password), so a damaged row can never sign anybody in.
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch (err) {
    console.error('A stored password hash could not be read:', (err as Error).message);
    return false;
  }
}

/** True when `stored` was made with parameters other than ARGON2_PARAMS (or cannot be parsed). */
export function needsRehash(stored: string): boolean {
  try {
    const p = parseOptions(stored);
    return (
      p.algorithm !== ARGON2_PARAMS.algorithm ||
      p.memoryCost !== ARGON2_PARAMS.memoryCost ||
      p.timeCost !== ARGON2_PARAMS.timeCost ||
      p.parallelism !== ARGON2_PARAMS.parallelism
    );
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Runs one full verification against a hash of a random password, so a sign-in for an unknown email costs
 * the same time as one for a known email with a wrong password. Always resolves false.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash(crypto.randomUUID(), ARGON2_PARAMS);
  await verifyPassword(await dummyHash, password);
  return false;
}
