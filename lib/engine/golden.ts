/**
 * The golden repositories' content: a tiny tree with every entry kind the format stores. `golden.test.ts`
 * restores the committed repositories in testdata/ and compares them with this, so any change to the
 * on-disk format fails. To re-freeze the format deliberately, run
 * `npx tsx lib/engine/golden-make.ts` and commit testdata/ (and say why in the commit).
 */
import fs from 'node:fs';
import path from 'node:path';

/** The passphrase of testdata/golden-encrypted. */
export const GOLDEN_PASSPHRASE = 'golden passphrase v1';
/** Chunker parameters of the golden repositories (small, so one file spans several chunks). */
export const GOLDEN_CHUNKER = { min: 64, avg: 256, max: 1024 };

/** Files (relative path → content) of the golden tree; `->` marks a symlink target. */
export const GOLDEN_FILES: Record<string, string | Buffer> = {
  'hello.txt': 'Hello, Coffer!\n',
  'empty.txt': '',
  'docs/long.txt': Array.from({ length: 200 }, (_, i) => `line ${i} of the golden file\n`).join(''),
  'docs/binary.bin': Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)),
  'docs/caf\u00e9.txt': 'unicode name\n',
  'link -> hello.txt': '',
};
/** A file whose name is not valid UTF-8. */
export const GOLDEN_RAW_NAME = Buffer.from([0x72, 0x61, 0x77, 0xff, 0x2e, 0x62, 0x69, 0x6e]);
/** Modification time of every golden file. */
export const GOLDEN_MTIME = new Date('2020-01-02T03:04:05Z');

/** Writes the golden tree under `root` (which must exist). */
export function writeGoldenTree(root: string): void {
  for (const [rel, content] of Object.entries(GOLDEN_FILES)) {
    const [name, target] = rel.split(' -> ');
    const p = path.join(root, name!);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (target) fs.symlinkSync(target, p);
    else {
      fs.writeFileSync(p, content);
      fs.chmodSync(p, 0o640);
      fs.utimesSync(p, GOLDEN_MTIME, GOLDEN_MTIME);
    }
  }
  const raw = Buffer.concat([Buffer.from(root + '/'), GOLDEN_RAW_NAME]);
  fs.writeFileSync(raw, 'raw name\n');
  fs.utimesSync(raw, GOLDEN_MTIME, GOLDEN_MTIME);
  fs.mkdirSync(path.join(root, 'empty-dir'));
}
