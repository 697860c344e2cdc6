/** What the benches that replay held-out code share: the test part of a language's held-out files, in a seeded order. */
import { join } from 'node:path';
import { heldOutPart } from '../src/build/held-out.ts';
import type { CorpusRecord } from '../src/corpus/bundle.ts';
import { readCorpusBundle } from '../src/corpus/node.ts';
import { seededRandom } from '../src/lm/random.ts';

export const CORPORA = join(import.meta.dirname, '..', 'public', 'corpora');

/** The held-out files of `lang` that no weight was fitted on (build/held-out.ts: the test part). */
export function heldOutTestFiles(lang: string): CorpusRecord[] {
  return readCorpusBundle(join(CORPORA, `${lang}.jsonl.gz`)).filter((r) => r.split === 'heldout' && heldOutPart(r.path) === 'test');
}

/** The indices 0..n-1 in a seeded uniform order (Fisher-Yates). */
export function seededOrder(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
