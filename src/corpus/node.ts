/**
 * Node-only helpers over the bundle format (the rest of src/corpus/ runs in the browser too).
 */
import { readFileSync } from 'node:fs';
import { decodeBundle, type CorpusRecord } from './bundle.ts';

/** Reads a `.jsonl.gz` corpus bundle, e.g. `public/corpora/python.jsonl.gz`. */
export function readCorpusBundle(path: string): CorpusRecord[] {
  return decodeBundle(new Uint8Array(readFileSync(path)), path);
}
