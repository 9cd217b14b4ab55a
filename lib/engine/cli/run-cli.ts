/**
 * Test helper (not used by production code): runs the real `coffer` binary the way the CLI tests need.
 * It lives beside the CLI because, like the CLI, it passes on the process environment.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
/** What a run of the `coffer` binary printed and returned. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const COFFER_BIN = path.resolve(import.meta.dirname, '../../../bin/coffer.mjs');

/**
 * Runs the real `coffer` binary in a child process, as a user would from a shell (stdin not a TTY),
 * with `env` over this process's environment (an undefined value removes the variable).
 */
export function runCli(args: string[], env: Record<string, string | undefined>, uid?: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const merged: Record<string, string | undefined> = { ...process.env, ...env };
    for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
    const child = spawn(process.execPath, [COFFER_BIN, ...args], { env: merged as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], uid, gid: uid });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
