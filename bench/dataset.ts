/**
 * The benchmark dataset: deterministic for a given size, so every run and machine backs up the same
 * bytes. By volume about 25 % many small text files (1-64 KiB, in nested folders), 35 % medium mixed
 * files (256 KiB - 8 MiB: prose, logs, random, half-and-half) and 40 % a few large random files.
 * Every file is generated from (seed, index) alone, so the "change 2 % of files" step can be undone by
 * regenerating just those files.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Prng, logBytes, randomBytes, textBytes } from './prng';

/** One file of the dataset. */
export interface DatasetFile {
  index: number;
  path: string;
  size: number;
  kind: 'text' | 'log' | 'random' | 'mixed';
}

/** The plan of a dataset: its files, in generation order. */
export interface Dataset {
  size: number;
  root: string;
  files: DatasetFile[];
}

const MIB = 1024 * 1024;

/** Plans the files of a dataset of about `size` bytes under `root` (nothing is written). */
export function planDataset(root: string, size: number): Dataset {
  const prng = new Prng(`dataset-${size}`);
  const files: DatasetFile[] = [];
  const add = (dir: string, name: string, bytes: number, kind: DatasetFile['kind']) =>
    files.push({ index: files.length, path: path.join(dir, name), size: bytes, kind });

  let budget = size * 0.25;
  for (let i = 0; budget > 0; i++) {
    const bytes = Math.min(Math.round(1024 * 64 ** prng.float()), Math.ceil(budget));
    const dir = `small/d${(i >> 8) % 64}/s${i >> 6}`;
    const prose = prng.float() < 0.7;
    add(dir, `note-${i}.${prose ? 'txt' : 'log'}`, bytes, prose ? 'text' : 'log');
    budget -= bytes;
  }
  budget = size * 0.35;
  const kinds: DatasetFile['kind'][] = ['text', 'log', 'random', 'mixed'];
  for (let i = 0; budget > 0; i++) {
    const bytes = Math.min(Math.round(256 * 1024 * 32 ** prng.float()), Math.ceil(budget));
    add(`medium/m${i % 16}`, `file-${i}.dat`, bytes, kinds[prng.int(0, 3)]!);
    budget -= bytes;
  }
  budget = size * 0.4;
  for (let i = 0; budget > 0; i++) {
    const bytes = Math.min(Math.max(MIB, Math.round(size * 0.1 + prng.float() * size * 0.05)), Math.ceil(budget));
    add('large', `blob-${i}.bin`, bytes, 'random');
    budget -= bytes;
  }
  return { size, root, files };
}

/** The bytes of one file; `version` > 0 gives the edited variant used by the change step. */
export function fileBytes(file: DatasetFile, version = 0): Buffer {
  const seed = `file-${file.index}`;
  const prng = new Prng(seed);
  let data: Buffer;
  switch (file.kind) {
    case 'text':
      data = textBytes(file.size, prng);
      break;
    case 'log':
      data = logBytes(file.size, prng);
      break;
    case 'random':
      data = randomBytes(file.size, seed);
      break;
    case 'mixed': {
      const half = file.size >> 1;
      data = Buffer.concat([textBytes(half, prng), randomBytes(file.size - half, seed)]);
      break;
    }
  }
  if (version > 0) {
    // An edit in the middle: overwrite 4 KiB (or the whole file when smaller) with new bytes.
    const edit = randomBytes(Math.min(4096, data.length), `${seed}-edit-${version}`);
    edit.copy(data, Math.max(0, (data.length >> 1) - (edit.length >> 1)));
  }
  return data;
}

function writeFile(root: string, file: DatasetFile, version: number): void {
  const full = path.join(root, file.path);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, fileBytes(file, version));
}

/** The files the change step edits: every 50th file, so ~2 % of files, spread over all kinds. */
export function changedFiles(dataset: Dataset): DatasetFile[] {
  return dataset.files.filter((f) => f.index % 50 === 7);
}

const MANIFEST = '.coffer-bench.json';

/**
 * Makes sure `dataset.root` holds the dataset in its original state: generates it when missing or
 * planned differently, and undoes a previous run's change step. Returns true when it wrote anything.
 */
export function ensureDataset(dataset: Dataset, log: (line: string) => void): boolean {
  const manifestPath = path.join(dataset.root, MANIFEST);
  const wanted = { version: 1, size: dataset.size, files: dataset.files.length };
  let state: { version: number; size: number; files: number; changed?: boolean } | undefined;
  try {
    state = JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof state;
  } catch {
    state = undefined;
  }
  if (state && state.version === wanted.version && state.size === wanted.size && state.files === wanted.files) {
    if (!state.changed) return false;
    for (const file of changedFiles(dataset)) writeFile(dataset.root, file, 0);
    writeFileSync(manifestPath, JSON.stringify(wanted));
    return true;
  }
  if (existsSync(dataset.root)) rmSync(dataset.root, { recursive: true, force: true });
  log(`generating ${dataset.files.length} files (${(dataset.size / MIB).toFixed(0)} MiB) in ${dataset.root}`);
  for (const file of dataset.files) writeFile(dataset.root, file, 0);
  writeFileSync(manifestPath, JSON.stringify(wanted));
  return true;
}

/** Applies the change step (edits ~2 % of files) and records it in the manifest. */
export function applyChange(dataset: Dataset): number {
  const files = changedFiles(dataset);
  for (const file of files) writeFile(dataset.root, file, 1);
  const manifestPath = path.join(dataset.root, MANIFEST);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, changed: true }));
  return files.length;
}
