/**
 * A prune in a separate process that SIGKILLs itself just before its Nth storage mutation (write or
 * delete), for the crash-safety test: `node --import tsx lib/engine/prune-child.ts <repoDir> <N>`.
 * Counting mutations makes every crash point reachable on a machine of any speed. Prints the prune
 * result as JSON when it finishes first; test-only.
 */
import { openRepository } from './index';
import { LocalStorage } from './storage/local';

const [repoDir, killAtArg] = process.argv.slice(2);
const killAt = Number(killAtArg);
let mutations = 0;

class KillingStorage extends LocalStorage {
  private tick(): void {
    if (++mutations >= killAt) process.kill(process.pid, 'SIGKILL');
  }
  override async write(...args: Parameters<LocalStorage['write']>): Promise<void> {
    if (!args[0].startsWith('locks/')) this.tick();
    return super.write(...args);
  }
  override async delete(name: string): Promise<void> {
    if (!name.startsWith('locks/')) this.tick();
    return super.delete(name);
  }
}

const repo = await openRepository(new KillingStorage(repoDir!, { durable: false }), {});
const result = await repo.prune({ repackThreshold: 0.05, unindexedGraceMs: 0 });
process.stdout.write(JSON.stringify({ ...result, mutations }) + '\n');
