/**
 * What the CLI talks to: its streams and environment, passed in so tests and other front ends can
 * run `main` without a real terminal.
 */

/** A writable stream as the CLI needs it. */
export interface CliOut {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The CLI's view of the process. */
export interface CliIo {
  stdout: CliOut;
  stderr: CliOut;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: Record<string, string | undefined>;
}

/** An error for the user, printed as one line; `exitCode` defaults to 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes: success, failure, and a backup that finished with warnings (as restic does). */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_WARNINGS = 3;
