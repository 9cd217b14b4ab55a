/**
 * Where the CLI gets a repository passphrase: `--password-file`, then `COFFER_PASSWORD`, then a prompt
 * on the terminal with echo off. Passphrases are never printed or logged.
 */
import { readFile } from 'node:fs/promises';
import type { CliIo } from './io';
import { CliError } from './io';

/** Reads the passphrase from a file, dropping one trailing newline (as `echo … > file` leaves). */
export async function readPasswordFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the password file ${file}: ${(error as Error).message}`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.length === 0) throw new CliError(`the password file ${file} is empty`);
  return value;
}

/** The passphrase given without asking (file or environment), or undefined. */
export async function givenPassphrase(io: CliIo, passwordFile: string | undefined): Promise<string | undefined> {
  if (passwordFile !== undefined) return readPasswordFile(passwordFile);
  const fromEnv = io.env.COFFER_PASSWORD;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
}

/** True when a prompt can be shown and answered. */
export function canPrompt(io: CliIo): boolean {
  return Boolean(io.stdin.isTTY && io.stderr.isTTY);
}

/**
 * Asks for a line on the terminal with echo off. Ctrl-C rejects with CliError('cancelled').
 * The caller checks `canPrompt` first.
 */
export function promptHidden(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new CliError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** Asks for a new passphrase twice on the terminal; rejects an empty or mismatched answer. */
export async function promptNewPassphrase(io: CliIo): Promise<string> {
  const first = await promptHidden(io, 'New repository passphrase: ');
  if (first.length === 0) throw new CliError('the passphrase must not be empty');
  const second = await promptHidden(io, 'Repeat the passphrase: ');
  if (first !== second) throw new CliError('the passphrases do not match');
  return first;
}
