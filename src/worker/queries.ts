/**
 * The quick questions asked of the live models, both models in one answer: the next tokens (with both
 * probabilities for every token either model lists) and a continuation. Generation runs through the caller's
 * scheduler, so a long sampled continuation that was superseded stops between tokens.
 */
import { GHOST_MIN_PROB, ghostOf, healContext, listable, listContext, REGION_POOL, suggestionsOf, windowed } from '../analysis/completion.ts';
import { definitionEnd } from '../analysis/code-check.ts';
import { rerank } from '../lm/regions.ts';
import { regionAfter, tokenize } from '../lm/tokenizer.ts';
import type { ModelKind, ModelSet } from '../build/model-set.ts';
import { generateSteps } from '../lm/generate.ts';
import type { MixtureModel } from '../lm/mixture.ts';
import type { Scheduler } from '../build/scheduler.ts';
import type { ComparedToken, CompletionPair, Continuation, GenerateRequest, PredictionPair, PromptInstruction } from './protocol.ts';
import { BOS, type Prediction } from '../lm/types.ts';

/** Longest continuation one request may ask for. */
export const MAX_GENERATED_TOKENS = 500;
/** Most next tokens one request may ask for. */
export const MAX_PREDICTIONS = 100;

/** The panel's next tokens after `text` (that start with `prefix`) from both models, every listed token scored by both. */
export function predictions(m: ModelSet, text: string, k: number, prefix?: string): PredictionPair {
  const context = m.context(text);
  const n = Math.max(1, Math.min(MAX_PREDICTIONS, Math.floor(k)));
  const base = suggestionsOf(m.base, context, prefix ?? '', n);
  const finetuned = suggestionsOf(m.finetuned, context, prefix ?? '', n);
  return { base, finetuned, compare: scoredByBoth(m, context, [...finetuned, ...base]) };
}

/** Each distinct token of `listed` with its probability under both models (a score is a pass over the components). */
function scoredByBoth(m: ModelSet, context: readonly number[], listed: readonly Prediction[]): ComparedToken[] {
  const ids = [...new Set(listed.map((p) => p.id))];
  return ids.map((id) => ({ id, token: m.base.vocab.token(id), base: m.base.score(context, id), finetuned: m.finetuned.score(context, id) }));
}

/** Most tokens in one ghost. */
export const MAX_GHOST_TOKENS = 40;

/**
 * Everything the editor shows at the cursor in one answer (analysis/completion.ts): both suggestion lists (after
 * the half-typed word, if any), the selected model's tokens scored by both models, and the selected model's ghost
 * (after token healing; the other model's would double the work of a keystroke for text nobody sees).
 */
export function completion(m: ModelSet, before: string, after: string, k: number, maxTokens: number, model: ModelKind, minProb = GHOST_MIN_PROB): CompletionPair {
  const list = listContext(before);
  const listIds = m.context(list.context);
  const n = Math.max(1, Math.min(MAX_PREDICTIONS, Math.floor(k)));
  const base = suggestionsOf(m.base, listIds, list.prefix, n);
  // The fine-tuned list is weighed by where the cursor is: code, string or comment (lm/regions.ts), so code positions
  // list code first. The base model stays as it was pretrained (what it knows of code is the lesson), and the ghost
  // follows the model's own ranking (analysis/completion.ts REGION_POOL says why).
  const counts = m.regions;
  const region = counts ? regionAfter(list.context) : undefined;
  const pool = suggestionsOf(m.finetuned, listIds, list.prefix, counts ? Math.max(n, REGION_POOL) : n);
  const finetuned = counts && region ? rerank(pool, counts, region, n) : pool;
  const selected = model === 'base' ? base : finetuned;
  const healed = healContext(before);
  // While a word is half typed the ghost heals the same token the list completes: its candidates are the list's head.
  const same = healed.context === list.context && healed.prefix === list.prefix;
  const options = { after, maxTokens: Math.max(0, Math.min(MAX_GHOST_TOKENS, Math.floor(maxTokens))), minProb };
  // The list's first row as the editor lists it, and the greedy continuation after it.
  const top = selected.find((p) => listable(p.token));
  return {
    prefix: list.prefix,
    predictions: { base, finetuned, compare: scoredByBoth(m, listIds, selected) },
    model,
    region,
    ghost: ghostOf(m.model(model), same ? listIds : m.context(healed.context), healed, options, same ? (model === 'base' ? base : pool) : undefined).text,
    afterTop: top && { token: top.token, ghost: ghostOf(m.model(model), [...listIds, top.id], { context: list.context + top.token, prefix: '' }, options).text },
  };
}

export async function continuations(
  m: ModelSet,
  text: string,
  request: GenerateRequest,
  scheduler: Scheduler,
): Promise<{ base: Continuation; finetuned: Continuation; instruction: PromptInstruction | null; cacheTokens: number }> {
  const context = m.context(text);
  const { stopAtNewline, stopAfterDefinition, ...options } = request;
  const atLineStart = text === '' || text.endsWith('\n');
  const stopRule = (): ((token: string) => boolean) | undefined => {
    if (stopAtNewline) return (t) => t.includes('\n');
    if (!stopAfterDefinition) return undefined;
    let written = '';
    return (t) => definitionEnd((written += t), atLineStart) !== null;
  };
  const run = async (model: MixtureModel): Promise<Continuation> => {
    const g = await scheduler.drive(
      generateSteps(model, context, {
        ...options,
        maxTokens: Math.max(0, Math.min(MAX_GENERATED_TOKENS, options.maxTokens)),
        stopAfter: stopRule(),
      }),
    );
    // How far back the model could look for each token it wrote (the prompting panel's lesson on memory).
    const ids = [...context];
    const orders = g.ids.map((id) => {
      const o = model.score(windowed(model, ids), id).orderUsed;
      ids.push(id);
      return o;
    });
    const seen = windowed(model, context)
      .filter((id) => id !== BOS)
      .map((id) => model.vocab.token(id));
    return { text: g.tokens.join(''), tokens: g.tokens, log2Prob: g.log2Prob, orders, seen };
  };
  return { base: await run(m.base), finetuned: await run(m.finetuned), instruction: instructionOf(text), cacheTokens: m.cache.size };
}

/** The prompt's last comment line and how many tokens before its end the comment starts (null without one). */
export function instructionOf(text: string): PromptInstruction | null {
  let found: RegExpExecArray | null = null;
  for (const match of text.matchAll(/^[ \t]*(#|\/\/)[^\n]*/gm)) found = match;
  if (!found) return null;
  const start = found.index + found[0].length - found[0].trimStart().length;
  return { text: found[0].trim(), tokensBack: tokenize(text.slice(start)).length };
}
