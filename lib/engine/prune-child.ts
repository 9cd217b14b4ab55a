/**
 * A prune in a separate process that SIGKILLs itself just before its Nth storage mutation (write or
 * delete), for the crash-safety test: `node --import tsx lib/engine/prune-child.ts <address> <N>`, where
 * the address is a repository folder or JSON `{ endpoint, prefix }` of an S3 test bucket (see
 * `TestStore.address` in test-helpers.ts). Counting mutations makes every crash point reachable on a
 * machine of any speed. Prints the prune result as JSON when it finishes first; test-only.
 */
import { openRepository } from './index';
import { LocalStorage } from './storage/local';

const [address, killAtArg] = process.argv.slice(2);
const killAt = Number(killAtArg);
let mutations = 0;

const s3 = address!.startsWith('{') ? (JSON.parse(address!) as { endpoint: string; prefix: string }) : undefined;
const storage = s3
  ? (await import('./storage/s3-test-server')).testS3Storage(s3.endpoint, { prefix: s3.prefix })
  : new LocalStorage(address!, { durable: false });
const tick = (name: string) => {
  if (!name.startsWith('locks/') && ++mutations >= killAt) process.kill(process.pid, 'SIGKILL');
};
const write = storage.write.bind(storage);
const remove = storage.delete.bind(storage);
storage.write = async (name, ...rest) => {
  tick(name);
  return write(name, ...rest);
};
storage.delete = async (name) => {
  tick(name);
  return remove(name);
};

const repo = await openRepository(storage, {});
const result = await repo.prune({ repackThreshold: 0.05, unindexedGraceMs: 0 });
if ('destroy' in storage) storage.destroy();
process.stdout.write(JSON.stringify({ ...result, mutations }) + '\n');
