/**
 * lib/engine/cli: the `coffer` command line, a thin front end over the engine's public API. `main`
 * runs one command and returns the exit code; every failure becomes one line on stderr.
 */
import { EngineError } from '../errors';
import { USAGE, parseCommandLine, type Command } from './args';
import { backupCommand, checkCommand, initCommand, lsCommand, restoreCommand, snapshotsCommand, type Context } from './commands';
import { CliError, EXIT_ERROR, EXIT_OK, type CliIo } from './io';
import { keyCommand } from './key';
import { forgetCommand, pruneCommand } from './prune';

const HANDLERS: Record<Command, (ctx: Context) => Promise<number>> = {
  init: initCommand,
  backup: backupCommand,
  snapshots: snapshotsCommand,
  ls: lsCommand,
  restore: restoreCommand,
  check: checkCommand,
  forget: forgetCommand,
  prune: pruneCommand,
  key: keyCommand,
};

/** One line for any error: the message of our own errors, a prefixed message for unexpected ones. */
function describe(error: unknown): string {
  if (error instanceof CliError || error instanceof EngineError) return error.message.split('\n')[0]!;
  const err = error as NodeJS.ErrnoException;
  return `unexpected error: ${err?.message?.split('\n')[0] ?? String(error)}`;
}

/**
 * Runs the command line `argv` (without node and the script) against `io`, and resolves to the exit
 * code: 0 success, 1 error, 3 a backup that finished with warnings. Never rejects.
 */
export async function main(argv: string[], io: CliIo, signal: AbortSignal = new AbortController().signal): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.values.help || !args.command) {
      (args.command || args.values.help ? io.stdout : io.stderr).write(USAGE);
      return args.command || args.values.help ? EXIT_OK : EXIT_ERROR;
    }
    return await HANDLERS[args.command]({ io, args, signal });
  } catch (error) {
    io.stderr.write(`coffer: ${describe(error)}\n`);
    if (io.env.COFFER_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_ERROR;
  }
}

/** Runs `main` for the real process: Ctrl-C (SIGINT) or SIGTERM cancels the running command cleanly. */
export async function run(): Promise<void> {
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
  process.exitCode = await main(process.argv.slice(2), io, controller.signal);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
