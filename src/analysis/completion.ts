/**
 * What the editor shows at the cursor, computed in one pass for both models: the suggestion list (the next
 * tokens, each with both models' probabilities) and the ghost text (the greedy continuation to the end of the
 * line). Pure, over any LanguageModel, so the worker, the typing benchmark and the tests run the same code.
 *
 * Token healing (after Guidance's token healing): the text before the cursor ends in a token that may be only
 * half typed (`pri`, `print(i`, a bare trailing space). So the last token is taken back, and the next token must
 * start with what was typed: ` height` extends `width * ` + ` `, `print` extends `pri`. When the typed text is
 * itself a whole token (`if`, `i`), it competes with its longer extensions on equal terms, one token further on:
 * each candidate is scored with the best token after it (a two-token lookahead), so `i` followed by `)` can beat
 * `items`, and the ghost then goes on past the finished word instead of vanishing where a person pauses.
 *
 *   before = "    return width * "   last token " " → candidates " height" (p·p_next), " " (p·p_next), …
 *   ghost  = "height" + greedy continuation to the end of the line
 *
 * The ghost stops before the first token holding a line break (a person presses Enter; the next line gets its
 * own ghost), after `maxTokens` tokens, and, in the middle of a line, before the closing bracket or quote that
 * already follows the cursor, so accepting it never doubles that character.
 */
import { BOS, EOS, UNK, type Prediction, type TokenId } from '../lm/types.ts';
import type { Vocab } from '../lm/vocab.ts';
import { PrefixIndex } from '../lm/prefix-index.ts';
import type { LanguageModel } from '../lm/model.ts';
import { tokenize } from '../lm/tokenizer.ts';

/** Candidates for the healed token that get the two-token lookahead (the rest rarely win and cost a query each). */
const LOOKAHEAD_CANDIDATES = 4;

/**
 * The ghost's confidence floor (GhostOptions.minProb), chosen by the typing replay (`npx tsx bench/typing.ts
 * 2000 P`): on held-out code, 0.4 gave the fine-tuned model with its cache the most keystrokes saved with Tab
 * among 0, 0.15, 0.3 and 0.4, with a ghost still shown at about 96% of keystrokes (README, "Ghost text").
 */
export const GHOST_MIN_PROB = 0.4;

export interface GhostOptions {
  /** Text after the cursor on the same line (the ghost must not double its closing bracket). */
  after?: string;
  /** Most tokens in a ghost. */
  maxTokens: number;
  /**
   * The ghost ends before the first token (after the healed one, and once it shows at least one character) whose
   * probability is below this: a long guess that is wrong at its end cannot be accepted with Tab, so a shorter,
   * surer ghost is worth more (bench: typing).
   */
  minProb?: number;
}

export interface Ghost {
  /** Text to show after the cursor (may be ''). */
  text: string;
  /** Tokens of the continuation, the healed one first (whole, as the model knows it). */
  tokens: string[];
  log2Prob: number;
}

export interface HealedContext {
  /** The text the models condition on: everything before the last token. */
  context: string;
  /** The last token as typed: every candidate starts with it ('' at the very start). */
  prefix: string;
}

/**
 * Where the suggestion list starts: the next token after the text, or, while a word is half typed (or a space was
 * just typed), the token that word starts. The code tokenizer folds a single space into the token after it, so a
 * half-typed word after a space is the prefix ` fo` of a token such as ` foo`. Unlike the ghost's healing, a
 * finished punctuation token is not taken back: after `print(` the list offers what follows the bracket.
 */
export function listContext(before: string): HealedContext {
  const tokens = tokenize(before);
  const last = tokens[tokens.length - 1];
  if (last !== undefined && (last === ' ' || PARTIAL.test(last))) return { context: before.slice(0, before.length - last.length), prefix: last };
  return { context: before, prefix: '' };
}

const PARTIAL = /^ ?[\p{L}\p{N}_$]+$/u;

/** Takes the last token back: the context before it and what every next token must start with. */
export function healContext(before: string): HealedContext {
  const tokens = tokenize(before);
  const last = tokens[tokens.length - 1] ?? '';
  // A line break plus indentation given by the editor is a finished token: a new line starts after it.
  if (last === '' || last.includes('\n')) return { context: before, prefix: '' };
  return { context: before.slice(0, before.length - last.length), prefix: last };
}

/** Ids of a context's tokens after <s>, cut to what the model can use. */
export function windowed(model: LanguageModel, ids: readonly TokenId[]): TokenId[] {
  return ids.slice(Math.max(0, ids.length - (model.order - 1)));
}

const CLOSERS = /[)\]}"'`]/;

/**
 * The suggestion list of one model: the `k` likeliest next tokens after `contextIds` that start with `prefix`.
 * When few tokens of the vocabulary start with the prefix (after `(` or `=`: a handful), they are scored one by
 * one: the exact top-k search would look for k matches among ever more candidates and end up sorting the whole
 * distribution of a mixture of a dozen models (10 ms a keystroke, measured).
 */
export function suggestionsOf(model: LanguageModel, contextIds: readonly TokenId[], prefix: string, k: number): Prediction[] {
  const context = windowed(model, contextIds);
  const n = Math.max(1, k);
  if (prefix) {
    const ids = idsStartingWith(model.vocab, prefix, FEW_MATCHES);
    if (ids) {
      return ids
        .map((id) => {
          const s = model.score(context, id);
          return { ...s, id, token: model.vocab.token(id), prob: 2 ** s.log2Prob };
        })
        .sort((a, b) => b.log2Prob - a.log2Prob || a.id - b.id)
        .slice(0, n);
    }
  }
  return model.topK(context, n, { prefix: prefix || undefined });
}

/** Below this many tokens with a prefix, scoring them one by one beats the top-k search. */
const FEW_MATCHES = 64;

/** Ids of the (ordinary) tokens that start with `prefix`, or null when there are more than `most`. */
export function idsStartingWith(vocab: Vocab, prefix: string, most: number): number[] | null {
  const { ids, from, to } = PrefixIndex.of(vocab).range(prefix);
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    const id = ids[i];
    if (id === UNK || id === BOS || id === EOS) continue;
    if (out.length === most) return null;
    out.push(id);
  }
  return out;
}

/**
 * The ghost text of one model at the cursor; `contextIds` are the ids of `healed.context` after <s>. `candidates`:
 * the model's suggestions for that very context and prefix, best first, when the caller has them already.
 */
export function ghostOf(model: LanguageModel, contextIds: readonly TokenId[], healed: HealedContext, options: GhostOptions, candidates?: readonly Prediction[]): Ghost {
  const heads = !healed.prefix ? [] : (candidates ?? suggestionsOf(model, contextIds, healed.prefix, LOOKAHEAD_CANDIDATES));
  return ghostAfter(model, contextIds, healed.prefix, heads, options);
}

/**
 * Whether the editor's suggestion list shows this token: not blank space and no line break (those are typed, not
 * chosen). The worker names the list's first row by the same rule (worker/queries.ts `afterTop`).
 */
export function listable(token: string): boolean {
  return token.trim() !== '' && !token.includes('\n');
}

/**
 * Candidates the suggestion list weighs by the cursor's region (lm/regions.ts): enough that the likeliest token of
 * the region is among them. The ghost is not weighed: in the typing replay the weighing cost it about a point of
 * keystrokes saved in every language (README, "Code and the prose inside it").
 */
export const REGION_POOL = 24;

function ghostAfter(model: LanguageModel, contextIds: readonly TokenId[], prefix: string, candidates: readonly Prediction[], options: GhostOptions): Ghost {
  const ids = [...contextIds];
  const tokens: string[] = [];
  let log2Prob = 0;
  // The healed token: the candidate whose best two-token path is likeliest. Without candidates (a new word no
  // model has seen) the typed token stays as it is and the continuation follows it.
  let first: Prediction | null = null;
  let best = -Infinity;
  for (const c of candidates.slice(0, LOOKAHEAD_CANDIDATES)) {
    const [next] = model.topK(windowed(model, [...ids, c.id]), 1, { includeEnd: true });
    const path = c.log2Prob + (next ? next.log2Prob : 0);
    if (path > best) {
      best = path;
      first = c;
    }
  }
  let text = '';
  if (first) {
    ids.push(first.id);
    tokens.push(first.token);
    log2Prob += first.log2Prob;
    text = first.token.slice(prefix.length);
    if (first.token.includes('\n')) return { text: '', tokens: [], log2Prob: 0 };
  } else if (prefix) {
    ids.push(model.vocab.id(prefix));
  }
  while (tokens.length < options.maxTokens) {
    const [next] = model.topK(windowed(model, ids), 1, { includeEnd: true });
    if (!next || next.id === EOS || next.id === BOS || next.token.includes('\n')) break;
    // Unsure tokens end the ghost, but only once it shows something: an empty ghost saves nothing, a one-token
    // guess after a finished word often does.
    if (options.minProb && next.prob < options.minProb && text !== '') break;
    ids.push(next.id);
    tokens.push(next.token);
    log2Prob += next.log2Prob;
    text += next.token;
  }
  return { text: cutBeforeCloser(text, options.after ?? ''), tokens, log2Prob };
}

/** In the middle of a line: the ghost ends before the closing bracket or quote that already follows the cursor. */
function cutBeforeCloser(ghost: string, after: string): string {
  const next = after.trimStart()[0];
  if (!next || !CLOSERS.test(next)) return ghost;
  const at = ghost.indexOf(next);
  return at >= 0 ? ghost.slice(0, at) : ghost;
}
