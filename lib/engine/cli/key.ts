/**
 * `coffer key list|add|passwd|remove`: manage the passphrases (key slots) of an encrypted
 * repository. The current passphrase comes from --password-file, $COFFER_PASSWORD or a prompt; a new
 * one from --new-password-file, $COFFER_NEW_PASSWORD or a prompt (asked twice).
 */
import { LocalStorage, openRepository } from '../index';
import { print, repoPath, type Context } from './commands';
import { CliError, EXIT_OK } from './io';
import { canPrompt, givenPassphrase, promptHidden, promptNewPassphrase, readPasswordFile } from './passphrase';

const USAGE = 'usage: coffer key list | add | passwd | remove ID';

async function currentPassphrase(ctx: Context, location: string): Promise<string> {
  const given = await givenPassphrase(ctx.io, ctx.args.values['password-file']);
  if (given !== undefined) return given;
  if (!canPrompt(ctx.io)) throw new CliError(`the repository ${location} is encrypted: set COFFER_PASSWORD or use --password-file`);
  return promptHidden(ctx.io, `Passphrase for ${location}: `);
}

async function newPassphrase(ctx: Context): Promise<string> {
  const file = ctx.args.values['new-password-file'];
  if (file !== undefined) return readPasswordFile(file);
  const env = ctx.io.env.COFFER_NEW_PASSWORD;
  if (env !== undefined && env !== '') return env;
  if (!canPrompt(ctx.io)) throw new CliError('no new passphrase: set COFFER_NEW_PASSWORD or use --new-password-file');
  return promptNewPassphrase(ctx.io);
}

/** Runs one `coffer key` subcommand. */
export async function keyCommand(ctx: Context): Promise<number> {
  const [sub, id, ...rest] = ctx.args.positionals;
  if (!sub || rest.length > 0 || (sub === 'remove') !== (id !== undefined) || !['list', 'add', 'passwd', 'remove'].includes(sub)) {
    throw new CliError(USAGE);
  }
  const storage = new LocalStorage(repoPath(ctx));
  const passphrase = await currentPassphrase(ctx, storage.location);
  const repo = await openRepository(storage, { passphrase, lock: { waitMs: 0 } });
  try {
    if (repo.encryption === 'none') throw new CliError(`the repository ${repo.location} is not encrypted: it has no passphrases`);
    if (sub === 'list') {
      const keys = await repo.listKeys();
      print(ctx, keys.map((k) => `${k.id}  created ${k.created || 'unknown'}`).join('\n'), keys);
    } else if (sub === 'add') {
      const added = await repo.addKey(passphrase, await newPassphrase(ctx));
      print(ctx, `added key ${added}`, { added });
    } else if (sub === 'passwd') {
      const change = await repo.changePassphrase(passphrase, await newPassphrase(ctx));
      print(ctx, `passphrase changed: key ${change.removed} replaced by ${change.added}`, change);
    } else {
      const removed = await repo.removeKey(id!);
      print(ctx, `removed key ${removed}`, { removed });
    }
    return EXIT_OK;
  } finally {
    await repo.close();
  }
}
