/** The texts of a build: the default corpora (as chosen) and the uploads, split into training and held-out text. */
import type { CorpusEntry } from '../corpus/manifest.ts';
import { CodegramError } from '../lm/errors.ts';
import { readRecords, type CorpusAccess, type CorpusRecord } from './access.ts';
import type { ProgressMeter } from './progress.ts';
import type { Scheduler } from './scheduler.ts';
import type { BuildSettings } from './settings.ts';

/**
 * A code file. `lang` is its corpus's language (python, javascript, typescript, instructions); absent for an
 * upload. Which code model it trains or tests is `codeGroupOf(path, lang)` (corpus/types.ts): the corpus
 * language when it is one of the editor's languages, else the extension.
 */
export interface CodeFile {
  path: string;
  text: string;
  lang?: string;
}

export interface Texts {
  general: string[];
  /** Code to train on. */
  code: CodeFile[];
  /** Held-out code (default corpora only): split again into fit and test parts by held-out.ts. */
  heldOut: CodeFile[];
  /** For the analysis views (src/analysis/): paths of `general`, the held-out English. */
  generalPaths?: string[];
  heldOutGeneral?: string[];
}

/** An empty set of texts. */
export function emptyTexts(): Texts {
  return { general: [], code: [], heldOut: [], generalPaths: [], heldOutGeneral: [] };
}

/** Records of one corpus into the texts: training text, or held-out text (split by the corpus itself). */
export function addRecords(texts: Texts, corpus: CorpusEntry, records: readonly CorpusRecord[]): void {
  for (const r of records) {
    if (corpus.kind === 'general') {
      if (r.split === 'train') {
        texts.general.push(r.text);
        texts.generalPaths?.push(r.path);
      } else texts.heldOutGeneral?.push(r.text);
    } else (r.split === 'train' ? texts.code : texts.heldOut).push({ path: r.path, text: r.text, lang: r.lang });
  }
}

export async function loadTexts(access: CorpusAccess, settings: BuildSettings, scheduler: Scheduler, meter: ProgressMeter): Promise<{ texts: Texts; corpora: CorpusEntry[] }> {
  const manifest = await access.manifest();
  scheduler.check();
  const wanted = manifest.corpora.filter((c) => settings.useDefaults[c.kind]);
  const totalBytes = wanted.reduce((s, c) => s + (c.gzipBytes ?? 0), 0);
  const texts = emptyTexts();
  let doneBytes = 0;
  for (const c of wanted) {
    const read = access.read?.(c);
    const batches = read
      ? (async function* () {
          yield await read;
        })()
      : readRecords(await access.open(c.file), c.file, (b) => {
          // Bytes may arrive already inflated by the server (see gunzipIfCompressed): never report past this file.
          meter.report('download', c.file, 0, 0.1, totalBytes > 0 ? (doneBytes + Math.min(b, c.gzipBytes ?? 0)) / totalBytes : 0);
        });
    for await (const records of batches) {
      addRecords(texts, c, records);
      await scheduler.pause();
    }
    doneBytes += c.gzipBytes ?? 0;
  }
  for (const u of settings.uploads) {
    for (const f of u.files) {
      if (u.kind === 'general') {
        texts.general.push(f.text);
        texts.generalPaths?.push(`${u.id}/${f.path}`);
      } else texts.code.push({ path: `${u.id}/${f.path}`, text: f.text });
    }
  }
  if (texts.general.length === 0) throw new CodegramError('bad-input', 'no general (English) text to pretrain the base model on');
  if (texts.code.length === 0) throw new CodegramError('bad-input', 'no code to fine-tune on');
  meter.report('download', 'done', 0, 0.1, 1);
  return { texts, corpora: wanted };
}

