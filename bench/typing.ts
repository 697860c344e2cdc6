/**
 * Bench section `typing`: keystrokes saved by the ghost text, replayed as a person types (src/analysis/typing.ts)
 * on held-out files of each language, with the worker's own completion code (src/analysis/completion.ts).
 *
 * For each language a fixed, seeded sample of whole lines of the held-out test part is typed, at least
 * KEYSTROKE_TARGET characters; each line with the text above it and its indentation given. Models: the base
 * model, the fine-tuned model without the document cache, and with it (the cache then holds the file's text
 * above the line, as it would hold the editor's text). Modes: Tab accepts the whole ghost; Tab or Ctrl+Right
 * (its next word). Reported per language and model: keystrokes saved, share of keystrokes showing a ghost,
 * acceptance rate, characters per accepted ghost, and the time of one keystroke's completion request as the
 * worker answers it (both models' lists and the fine-tuned ghost: worker/queries.ts), p50/p95, in this process.
 * The fine-tuned model is the editor language's own mixture (build/mix.ts). Ghosts end at the first unsure token
 * (GHOST_MIN_PROB, or the second argument).
 *
 *   npx tsx bench/typing.ts [keystrokes per language] [min prob]     JSON on stdout
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GHOST_MIN_PROB } from '../src/analysis/completion.ts';
import { emptyCounts, linesOf, replayFigures, replayLine, type AcceptMode, type ReplayLine } from '../src/analysis/typing.ts';
import { buildModels } from '../src/build/build.ts';
import { DEFAULT_MIX } from '../src/build/mix.ts';
import { ModelSet, type ModelKind } from '../src/build/model-set.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { completion, MAX_GHOST_TOKENS } from '../src/worker/queries.ts';
import { CORPORA, heldOutTestFiles, seededOrder } from './held-out-sample.ts';
import { fileAccess } from './pipeline.ts';

const LANGUAGES = ['python', 'javascript', 'typescript'] as const;
/** Characters typed per language (the issue asks for at least 20,000 keystrokes' worth). */
const KEYSTROKE_TARGET = 20_000;
/** Tokens in a ghost, as the page asks (state/models.svelte.ts). */
const GHOST_TOKENS = 24;

/** Whole lines of held-out test files, in a seeded order, until `target` characters are to be typed. */
function sampleLines(lang: string, target: number, seed: number): ReplayLine[] {
  const lines = heldOutTestFiles(lang).flatMap((f) => linesOf(f.text).filter((l) => l.rest.length <= 200));
  const picked: ReplayLine[] = [];
  let chars = 0;
  for (const i of seededOrder(lines.length, seed)) {
    if (chars >= target) break;
    picked.push(lines[i]);
    chars += lines[i].rest.length;
  }
  return picked;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

interface Variant {
  name: 'base' | 'finetuned' | 'finetunedCache';
  model: ModelKind;
  cache: boolean;
}
const VARIANTS: Variant[] = [
  { name: 'base', model: 'base', cache: false },
  { name: 'finetuned', model: 'finetuned', cache: false },
  { name: 'finetunedCache', model: 'finetuned', cache: true },
];

/** Suggestions per request, as the page asks (state/models.svelte.ts). */
const SUGGESTIONS = 12;

export async function benchTyping(keystrokes = KEYSTROKE_TARGET, minProb = GHOST_MIN_PROB): Promise<Record<string, unknown>> {
  if (!existsSync(join(CORPORA, 'manifest.json'))) return { skipped: `no corpora in ${CORPORA} (run npm run corpora)` };
  const set = new ModelSet(await buildModels(fileAccess(CORPORA), DEFAULT_BUILD_SETTINGS));
  const out: Record<string, unknown> = { keystrokesPerLanguage: keystrokes, ghostTokens: GHOST_TOKENS, ghostMinProb: minProb };
  for (const [li, lang] of LANGUAGES.entries()) {
    const lines = sampleLines(lang, keystrokes, 1000 + li);
    const perLanguage: Record<string, unknown> = { lines: lines.length };
    for (const v of VARIANTS) {
      set.setMix({ ...DEFAULT_MIX, language: lang, cacheWeight: v.cache ? null : 0 });
      // The worker's own answer to a keystroke (its ghost), with the confidence floor under test.
      const ghostAt = (before: string) => completion(set, before, '', SUGGESTIONS, GHOST_TOKENS, v.model, minProb).ghost;
      const started = performance.now();
      const figures: Record<string, unknown> = {};
      for (const mode of ['tab', 'word'] as AcceptMode[]) {
        const counts = emptyCounts();
        let above = '';
        for (const line of lines) {
          if (v.cache && line.above !== above) {
            set.setDocument(line.above);
            above = line.above;
          }
          replayLine(line, ghostAt, mode, counts);
        }
        const f = replayFigures(counts);
        figures[mode] = {
          keystrokesSaved: round(f.keystrokesSaved),
          ghostShown: round(f.ghostShown),
          acceptance: round(f.acceptance),
          charactersPerAccept: round(f.charactersPerAccept, 2),
          characters: counts.characters,
          keystrokes: counts.keystrokes,
        };
      }
      perLanguage[v.name] = { ...figures, replaySeconds: round((performance.now() - started) / 1000, 1) };
    }
    // Latency of one keystroke's request as the worker answers it: both lists and the fine-tuned ghost (cache on).
    set.setMix({ ...DEFAULT_MIX, language: lang });
    const ms: number[] = [];
    for (const line of lines.slice(0, 300)) {
      set.setDocument(line.above);
      for (let pos = 0; pos < line.rest.length; pos++) {
        const before = line.above + line.indent + line.rest.slice(0, pos);
        const t = performance.now();
        completion(set, before, '', SUGGESTIONS, Math.min(GHOST_TOKENS, MAX_GHOST_TOKENS), 'finetuned');
        ms.push(performance.now() - t);
      }
    }
    ms.sort((a, b) => a - b);
    perLanguage.completionRequestMs = { p50: round(quantile(ms, 0.5), 2), p95: round(quantile(ms, 0.95), 2), n: ms.length };
    out[lang] = perLanguage;
  }
  set.setDocument('');
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? KEYSTROKE_TARGET);
  const minProb = Number(process.argv[3] ?? GHOST_MIN_PROB);
  process.stdout.write(JSON.stringify(await benchTyping(n, minProb), null, 2) + '\n');
}
