/**
 * A backup in a separate process, for tests that kill it, run two at once, or drop privileges:
 * `node --import tsx lib/engine/test-child.ts <repoDir> <passphrase|-> <source>…`. Prints the result
 * summary as one JSON line; exits 2 with the error's name and message on failure.
 */
import { openRepository } from './index';
import { LocalStorage } from './storage/local';

const [repoDir, passphrase, ...sources] = process.argv.slice(2);
try {
  const repo = await openRepository(new LocalStorage(repoDir!), { passphrase: passphrase === '-' ? undefined : passphrase });
  const { snapshot, summary } = await repo.backup(sources);
  process.stdout.write(JSON.stringify({ snapshot: snapshot.id, summary }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ error: (e as Error).name, message: (e as Error).message }) + '\n');
  process.exitCode = 2;
}
