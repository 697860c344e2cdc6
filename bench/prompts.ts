/**
 * Bench section `prompts`: after a comment that asks for a function in the editor's language (bench/
 * language-prompts.ts, twenty per language, none of them an instruction example), does the ghost text start a
 * function of that language? The page's setting: the language's own mixture, the document cache holding the
 * prompt, the ghost as the editor asks for it (GHOST_MIN_PROB), and, for the record, the greedy line without the
 * confidence floor. Reported: the share of prompts that pass per language and model, and every answer.
 *
 *   npx tsx bench/prompts.ts     JSON on stdout
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GHOST_MIN_PROB, ghostOf, healContext } from '../src/analysis/completion.ts';
import { buildModels } from '../src/build/build.ts';
import { DEFAULT_MIX } from '../src/build/mix.ts';
import { ModelSet, type ModelKind } from '../src/build/model-set.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { LANGUAGE_PROMPTS, STARTS_A_FUNCTION } from './language-prompts.ts';
import { fileAccess } from './pipeline.ts';

const CORPORA = join(import.meta.dirname, '..', 'public', 'corpora');

export async function benchPrompts(): Promise<Record<string, unknown>> {
  if (!existsSync(join(CORPORA, 'manifest.json'))) return { skipped: `no corpora in ${CORPORA} (run npm run corpora)` };
  const set = new ModelSet(await buildModels(fileAccess(CORPORA), DEFAULT_BUILD_SETTINGS));
  const out: Record<string, unknown> = { ghostMinProb: GHOST_MIN_PROB };
  for (const [language, prompts] of Object.entries(LANGUAGE_PROMPTS) as [keyof typeof LANGUAGE_PROMPTS, string[]][]) {
    set.setMix({ ...DEFAULT_MIX, language });
    const pass: Record<ModelKind, number> = { base: 0, finetuned: 0 };
    const answers: { prompt: string; base: string; finetuned: string; finetunedLine: string }[] = [];
    for (const prompt of prompts) {
      const text = prompt + '\n';
      set.setDocument(text);
      const healed = healContext(text);
      const ids = set.context(healed.context);
      const ghost = (kind: ModelKind, minProb?: number) => ghostOf(set.model(kind), ids, healed, { maxTokens: 16, minProb }).text;
      const base = ghost('base', GHOST_MIN_PROB);
      const finetuned = ghost('finetuned', GHOST_MIN_PROB);
      if (STARTS_A_FUNCTION[language].test(base.trimStart())) pass.base++;
      if (STARTS_A_FUNCTION[language].test(finetuned.trimStart())) pass.finetuned++;
      answers.push({ prompt, base, finetuned, finetunedLine: ghost('finetuned') });
    }
    out[language] = { prompts: prompts.length, startsAFunction: { base: pass.base / prompts.length, finetuned: pass.finetuned / prompts.length }, answers };
  }
  set.setDocument('');
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await benchPrompts(), null, 2) + '\n');
}
