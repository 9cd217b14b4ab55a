/**
 * Command-line parsing with node:util parseArgs: the commands, their options and the usage text.
 */
import { parseArgs } from 'node:util';
import { CliError } from './io';

/** The commands the CLI knows. */
export const COMMANDS = ['init', 'backup', 'snapshots', 'ls', 'restore', 'check', 'forget', 'prune', 'key'] as const;
export type Command = (typeof COMMANDS)[number];

/** Every option of every command; `allowed` below says which command takes which. */
const OPTIONS = {
  repo: { type: 'string', short: 'r' },
  'password-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'no-encryption': { type: 'boolean' },
  compression: { type: 'string' },
  exclude: { type: 'string', short: 'e', multiple: true },
  tag: { type: 'string', multiple: true },
  parent: { type: 'string' },
  host: { type: 'string' },
  target: { type: 'string', short: 't' },
  include: { type: 'string', short: 'i', multiple: true },
  overwrite: { type: 'string' },
  'read-data': { type: 'boolean' },
  'read-data-subset': { type: 'string' },
  'keep-last': { type: 'string' },
  'keep-hourly': { type: 'string' },
  'keep-daily': { type: 'string' },
  'keep-weekly': { type: 'string' },
  'keep-monthly': { type: 'string' },
  'keep-yearly': { type: 'string' },
  'keep-within': { type: 'string' },
  'keep-tag': { type: 'string', multiple: true },
  'group-by': { type: 'string' },
  'dry-run': { type: 'boolean' },
  prune: { type: 'boolean' },
  'repack-threshold': { type: 'string' },
  'new-password-file': { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
const COMMON: OptionName[] = ['repo', 'password-file', 'json', 'help'];
const ALLOWED: Record<Command, OptionName[]> = {
  init: ['no-encryption', 'compression'],
  backup: ['exclude', 'tag', 'parent', 'host', 'compression'],
  snapshots: [],
  ls: [],
  restore: ['target', 'include', 'overwrite'],
  check: ['read-data', 'read-data-subset'],
  forget: [
    ...(['keep-last', 'keep-hourly', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly', 'keep-within', 'keep-tag'] as const),
    ...(['group-by', 'host', 'tag', 'dry-run', 'prune', 'repack-threshold'] as const),
  ],
  prune: ['dry-run', 'repack-threshold'],
  key: ['new-password-file'],
};

/** Parsed command line. */
export interface Parsed {
  command: Command | undefined;
  values: {
    repo?: string;
    'password-file'?: string;
    json?: boolean;
    help?: boolean;
    'no-encryption'?: boolean;
    compression?: string;
    exclude?: string[];
    tag?: string[];
    parent?: string;
    host?: string;
    target?: string;
    include?: string[];
    overwrite?: string;
    'read-data'?: boolean;
    'read-data-subset'?: string;
    'keep-last'?: string;
    'keep-hourly'?: string;
    'keep-daily'?: string;
    'keep-weekly'?: string;
    'keep-monthly'?: string;
    'keep-yearly'?: string;
    'keep-within'?: string;
    'keep-tag'?: string[];
    'group-by'?: string;
    'dry-run'?: boolean;
    prune?: boolean;
    'repack-threshold'?: string;
    'new-password-file'?: string;
  };
  positionals: string[];
}

/** Parses argv (without node and script). Throws CliError for unknown commands and options. */
export function parseCommandLine(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message.split('\n')[0]} (see coffer --help)`);
  }
  const [first, ...positionals] = parsed.positionals;
  if (first !== undefined && !(COMMANDS as readonly string[]).includes(first)) {
    throw new CliError(`unknown command "${first}" (commands: ${COMMANDS.join(', ')}; see coffer --help)`);
  }
  const command = first as Command | undefined;
  if (command) {
    const allowed = new Set<string>([...COMMON, ...ALLOWED[command]]);
    for (const [name, value] of Object.entries(parsed.values)) {
      if (value !== undefined && !allowed.has(name)) throw new CliError(`coffer ${command} does not take --${name} (see coffer --help)`);
    }
  }
  return { command, values: parsed.values as Parsed['values'], positionals };
}

/** The usage text printed by `coffer --help`. */
export const USAGE = `Coffer: deduplicating, compressed, encrypted backups.

Usage:
  coffer init      --repo PATH [--no-encryption] [--compression auto|off|brotli|deflate]
  coffer backup    --repo PATH [--exclude GLOB]... [--tag TAG]... [--parent SNAPSHOT] [--host NAME] SOURCE...
  coffer snapshots --repo PATH
  coffer ls        --repo PATH SNAPSHOT [PATH]
  coffer restore   --repo PATH SNAPSHOT --target DIR [--include PATH]... [--overwrite skip|overwrite|keep-both]
  coffer check     --repo PATH [--read-data | --read-data-subset N%]
  coffer forget    --repo PATH [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N]
                   [--keep-monthly N] [--keep-yearly N] [--keep-within DURATION] [--keep-tag TAGS]...
                   [--group-by host,paths,tags] [--host NAME] [--tag TAG]... [--dry-run] [--prune]
  coffer prune     --repo PATH [--dry-run] [--repack-threshold PERCENT]
  coffer key       --repo PATH list | add | passwd | remove ID  [--new-password-file FILE]

Counts are whole numbers (-1 = unlimited); DURATION is like 1y6m2d3h. forget deletes snapshots only;
prune then deletes data no snapshot uses and repacks packs with more than --repack-threshold (default
20%) unused. A new passphrase comes from --new-password-file, else $COFFER_NEW_PASSWORD, else a prompt.

SNAPSHOT is a snapshot id, a unique prefix of one, or "latest".

Options for every command:
  -r, --repo PATH          the repository (default: $COFFER_REPOSITORY)
      --password-file FILE read the passphrase from FILE (else $COFFER_PASSWORD, else a prompt)
      --json               print machine-readable JSON on stdout
  -h, --help               show this help

Exit codes: 0 success, 1 error (one line on stderr), 3 backup finished with warnings.
`;
