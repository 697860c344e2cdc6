/**
 * Writes the default corpora (every record, both splits) as plain files, `copies` times, for the
 * larger-corpus measurements in the README:
 *
 *   npx tsx bench/make-corpus.ts OUT_DIR [COPIES]      (default 1)
 *
 * Copy 0 is the corpora as they are. Copy k ≥ 1 is perturbed deterministically so its n-grams are not just
 * those of copy 0 again: every identifier-like word type (/[A-Za-z_]\w*\/) whose hash with k falls in one
 * third of the range is renamed `word_k`, consistently within the copy. About a third of the word types
 * (and so most sentences) change, so the vocabulary and the distinct n-grams grow with the number of copies,
 * as they would with more real text, while every file keeps the shape of real English or code.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseBundle } from '../src/corpus/bundle.ts';

const [out, copiesArg] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: tsx bench/make-corpus.ts OUT_DIR [COPIES]\n');
  process.exit(1);
}
const copies = Number(copiesArg ?? 1);
const manifest = JSON.parse(readFileSync('public/corpora/manifest.json', 'utf8')) as { corpora: { file: string }[] };

function hash(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function perturb(text: string, k: number): string {
  if (k === 0) return text;
  return text.replace(/[A-Za-z_]\w*/g, (w) => (hash(w, k) % 3 === 0 ? `${w}_${k}` : w));
}

let files = 0;
let bytes = 0;
for (const c of manifest.corpora) {
  const records = parseBundle(gunzipSync(readFileSync(join('public/corpora', c.file))).toString('utf8'), c.file);
  for (let k = 0; k < copies; k++) {
    for (const r of records) {
      const path = join(out, `copy${String(k).padStart(2, '0')}`, c.file.replace(/\.jsonl\.gz$/, ''), `${r.path.replace(/[^\w./-]/g, '_')}.txt`);
      mkdirSync(dirname(path), { recursive: true });
      const text = perturb(r.text, k);
      writeFileSync(path, text);
      files++;
      bytes += Buffer.byteLength(text);
    }
  }
}
process.stderr.write(`${files} files, ${(bytes / 1e6).toFixed(1)} MB written to ${out}\n`);
