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

/** The languages the editor offers; each has a fine-tuned mixture of its own (build/mix.ts). */
export const CODE_LANGUAGES = ['python', 'javascript', 'typescript'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

/**
 * The kinds of code a file may be: one of the languages, or 'other' (an upload's .go or .rs files, a made-up
 * language), which the build adds to every language's model (build/build.ts).
 */
export const CODE_GROUPS = [...CODE_LANGUAGES, 'other'] as const;
export type CodeGroup = (typeof CODE_GROUPS)[number];

const EXTENSIONS: Record<string, CodeLanguage> = {
  py: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
};

/**
 * The code model a file trains: its corpus language when that is one of CODE_LANGUAGES, else its extension
 * (the `instructions` corpus, uploads): `a/b.py` → python, `x.mjs` → javascript, `y.d.ts` → typescript,
 * `main.go`, `Makefile` → other.
 */
export function codeGroupOf(path: string, lang?: string): CodeGroup {
  if (lang !== undefined && (CODE_LANGUAGES as readonly string[]).includes(lang)) return lang as CodeLanguage;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return (dot > 0 && EXTENSIONS[name.slice(dot + 1).toLowerCase()]) || 'other';
}
