/**
 * Regenerates testdata/golden-plain and testdata/golden-encrypted. Only run this when the format
 * changes on purpose: the committed repositories are what old Coffer versions wrote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GOLDEN_CHUNKER, GOLDEN_PASSPHRASE, writeGoldenTree } from './golden';
import { initRepository } from './index';
import { LocalStorage } from './storage/local';

const testdata = path.join(import.meta.dirname, 'testdata');
const src = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-golden-')), 'golden');
fs.mkdirSync(src);
writeGoldenTree(src);
for (const [name, encryption] of [
  ['golden-plain', 'none'],
  ['golden-encrypted', 'aes-256-gcm'],
] as const) {
  const dir = path.join(testdata, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const repo = await initRepository(new LocalStorage(dir), { encryption, passphrase: GOLDEN_PASSPHRASE, chunker: GOLDEN_CHUNKER, packSize: 65536 });
  const { snapshot } = await repo.backup([src], { host: 'golden-host', tags: ['golden'] });
  fs.writeFileSync(path.join(dir, 'SNAPSHOT'), snapshot.id + '\n');
}
fs.rmSync(path.dirname(src), { recursive: true, force: true });
