/**
 * Bench section `ranking`: how well the models rank the next token of held-out code, the figures of Tu, Su &
 * Devanbu 2014 and Hellendoorn & Devanbu 2017: bits per token and MRR@10 (the mean of 1/rank of the true token
 * among the ten likeliest, 0 beyond), per language, on a seeded sample of whole files of the test part of the
 * held-out code (build/held-out.ts: never fitted on). Each file is walked left to right as it is written, the
 * document cache holding the file so far (its weight the fitted μ, scaled by the tokens it holds: build/mix.ts).
 *
 * Variants: the base model; the fine-tuned mixture of the language; with the document cache; and with the cache
 * and the candidates weighed by the region the token is written in (lm/regions.ts), as the editor ranks its list
 * (a reranking, not a distribution: no bits per token). Every token is scored, whitespace included (newline plus
 * indentation, runs of spaces); MRR is also given without those whitespace tokens, closer to the published
 * setting, which does not score layout at all.
 *
 *   npx tsx bench/ranking.ts [tokens per language] [β …]     JSON on stdout
 *
 * With exponents β, the region-weighed variant is run with each (lm/regions.ts REGION_STRENGTH) and reported
 * as finetunedCacheRegions@β.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildModels } from '../src/build/build.ts';
import { DEFAULT_MIX } from '../src/build/mix.ts';
import { ModelSet } from '../src/build/model-set.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { REGION_POOL } from '../src/analysis/completion.ts';
import { REGION_STRENGTH, rerank } from '../src/lm/regions.ts';
import { REGIONS, tokenizeWithRegions } from '../src/lm/tokenizer.ts';
import { BOS, UNK, type Prediction } from '../src/lm/types.ts';
import { CORPORA, heldOutTestFiles, seededOrder } from './held-out-sample.ts';
import { fileAccess } from './pipeline.ts';

const LANGUAGES = ['python', 'javascript', 'typescript'] as const;
const TOKENS = 4000;
const DEPTH = 10;
/** Tokens walked per file at most: a sample of many files, not a few long ones. */
const MAX_PER_FILE = 300;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** A variant: the model, the cache, and the exponent of the region weighing (null: none). */
interface Variant {
  name: string;
  model: 'base' | 'finetuned';
  cache: boolean;
  strength: number | null;
}

interface Tally {
  tokens: number;
  bits: number;
  rr: number;
  codeTokens: number;
  codeRr: number;
}

export async function benchRanking(tokensPerLanguage = TOKENS, strengths: number[] = []): Promise<Record<string, unknown>> {
  const VARIANTS: Variant[] = [
    { name: 'base', model: 'base', cache: false, strength: null },
    { name: 'finetuned', model: 'finetuned', cache: false, strength: null },
    { name: 'finetunedCache', model: 'finetuned', cache: true, strength: null },
    ...(strengths.length ? strengths : [REGION_STRENGTH]).map((b) => ({ name: strengths.length ? `finetunedCacheRegions@${b}` : 'finetunedCacheRegions', model: 'finetuned' as const, cache: true, strength: b })),
  ];
  if (!existsSync(join(CORPORA, 'manifest.json'))) return { skipped: `no corpora in ${CORPORA} (run npm run corpora)` };
  const set = new ModelSet(await buildModels(fileAccess(CORPORA), DEFAULT_BUILD_SETTINGS));
  const counts = set.regions!;
  const out: Record<string, unknown> = { tokensPerLanguage, depth: DEPTH };
  for (const [li, lang] of LANGUAGES.entries()) {
    const files = heldOutTestFiles(lang);
    const order = seededOrder(files.length, 2000 + li);
    const tally = Object.fromEntries(VARIANTS.map((v) => [v.name, { tokens: 0, bits: 0, rr: 0, codeTokens: 0, codeRr: 0 } as Tally]));
    let walked = 0;
    let used = 0;
    for (const fi of order) {
      if (walked >= tokensPerLanguage) break;
      used++;
      // Long files are cut: a sample of many files, not a few long ones.
      const { tokens, regions } = tokenizeWithRegions(files[fi].text);
      const n = Math.min(tokens.length, MAX_PER_FILE, tokensPerLanguage - walked);
      for (const v of VARIANTS) {
        const cached = v.cache;
        set.setMix({ ...DEFAULT_MIX, language: lang, cacheWeight: cached ? null : 0 });
        set.setDocument('');
        const model = set.model(v.model);
        const t = tally[v.name];
        const context = [BOS];
        for (let i = 0; i < n; i++) {
          const window = context.slice(Math.max(0, context.length - (model.order - 1)));
          // Looked up now: a new identifier joins the vocabulary when the cache first counts it, and the cache can
          // then predict it at its next use.
          const truth = model.vocab.id(tokens[i]);
          let top: Prediction[];
          if (v.strength !== null) top = rerank(model.topK(window, REGION_POOL, { includeEnd: true }), counts, REGIONS[regions[i]], DEPTH, v.strength);
          else {
            top = model.topK(window, DEPTH, { includeEnd: true });
            t.bits -= model.score(window, truth).log2Prob;
          }
          const rank = truth === UNK ? -1 : top.findIndex((p) => p.id === truth);
          const rr = rank >= 0 ? 1 / (rank + 1) : 0;
          t.tokens++;
          t.rr += rr;
          if (tokens[i].trim() !== '') {
            t.codeTokens++;
            t.codeRr += rr;
          }
          context.push(truth);
          if (cached) set.appendToDocument(tokens[i]);
        }
      }
      walked += n;
    }
    out[lang] = {
      files: used,
      ...Object.fromEntries(
        VARIANTS.map((v) => {
          const t = tally[v.name];
          return [v.name, { tokens: t.tokens, bitsPerToken: v.strength !== null ? null : round(t.bits / t.tokens, 2), mrr: round(t.rr / t.tokens), mrrWithoutWhitespace: round(t.codeRr / t.codeTokens) }];
        }),
      ),
    };
  }
  set.setDocument('');
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await benchRanking(Number(process.argv[2] ?? TOKENS), process.argv.slice(3).map(Number)), null, 2) + '\n');
}
