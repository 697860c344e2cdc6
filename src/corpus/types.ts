/** What the corpus layers and the page share about a corpus: its kind, and an uploaded corpus. */

/** General text pretrains the base model; code fine-tunes it. */
export type CorpusKind = 'general' | 'code';

export const CORPUS_KINDS: readonly CorpusKind[] = ['general', 'code'];

/** A corpus the user uploaded (text already decoded and checked where it entered: upload.ts). */
export interface UserCorpus {
  id: string;
  name: string;
  kind: CorpusKind;
  files: { path: string; text: string }[];
}
