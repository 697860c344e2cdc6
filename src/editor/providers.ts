/**
 * Completions from the selected model, for every language: a suggestion list (the next tokens ranked by
 * probability, filtered by the half-typed word, each showing both models' probabilities) and inline ghost text
 * (the greedy continuation to the end of the line, after token healing: analysis/completion.ts). Both providers
 * ask the CompletionSource (the page's state) with the same cursor, so one keystroke costs one round trip to the
 * worker; a list asked for one keystroke earlier gets the newer keystroke's answer (see CursorAnswer).
 *
 * The inline provider sets no debounce of its own beyond GHOST_DEBOUNCE_MS: the worker answers in about a
 * millisecond and drops superseded requests itself, so waiting (Monaco's default is 50 ms) would only add to the
 * time from a keystroke to its ghost. Tab accepts the ghost (and indents where none is shown), Ctrl+Right
 * accepts its next word (Monaco's own command), Escape hides it.
 */
import { listable } from '../analysis/completion.ts';
import type { CompletionSource } from '../state/types.ts';
import { displayToken } from './context.ts';
import { LANGUAGES, monaco } from './monaco.ts';

/** Monaco's wait before asking for a ghost (its default is 50 ms). */
export const GHOST_DEBOUNCE_MS = 0;

export interface CompletionHooks {
  /** Called with each ghost text shown and the time it took from the request (for the latency figure). */
  onGhost?: (text: string, elapsedMs: number) => void;
  /** Called when ghost text is accepted (Tab: all of it; Ctrl+Right: its next word), with the characters entered. */
  onAccept?: (characters: number) => void;
}

const percent = (p: number) => `${(100 * p).toFixed(p < 0.001 ? 3 : 1)}%`;

/** The text before the cursor, and the rest of the cursor's line after it. */
function around(model: monaco.editor.ITextModel, position: monaco.Position): { before: string; after: string } {
  return {
    before: model.getValueInRange({ startLineNumber: 1, startColumn: 1, endLineNumber: position.lineNumber, endColumn: position.column }),
    after: model.getLineContent(position.lineNumber).slice(position.column - 1),
  };
}

/** Characters of a ghost item's insertText that were typed already (it rewrites the word under the cursor). */
const typedUnder = new WeakMap<object, number>();

/**
 * The ghost while the suggestion list is open. Monaco then shows only a ghost that continues the list's selected
 * item (VS Code's suggest preview), and hides any other: after "i" the list's likeliest token "import" and the
 * ghost's likeliest path "if …" disagree, and nothing showed. So the ghost is the model's continuation after the
 * selected item, written over the item's range: the item's rest, then what follows it. It follows the selection as
 * the user moves through the list.
 */
async function ghostAfterChoice(
  source: CompletionSource,
  model: monaco.editor.ITextModel,
  position: monaco.Position,
  selected: monaco.languages.SelectedSuggestionInfo,
  hooks: CompletionHooks,
): Promise<monaco.languages.InlineCompletions> {
  const started = performance.now();
  const { range, text } = selected;
  if (!text || text.includes('\n') || range.startLineNumber !== position.lineNumber || range.endLineNumber !== position.lineNumber || range.startColumn > position.column) return { items: [] };
  const cursor = around(model, position);
  // The item replaces the `under` characters before the cursor (on its line) with its text.
  const under = position.column - range.startColumn;
  const head = cursor.before.slice(0, cursor.before.length - under);
  const after = model.getLineContent(position.lineNumber).slice(Math.max(range.endColumn, position.column) - 1);
  // The first row, as Monaco opens the list: the keystroke's own answer has its ghost. Another row: ask.
  const here = await source.at(cursor.before, cursor.after);
  const top = here && here.typed === '' && here.pair.model === source.model() && here.pair.prefix.length === under ? here.pair.afterTop : undefined;
  let ghost = top?.token === text ? top.ghost : null;
  if (ghost === null) {
    const pair = await source.afterChoice(head + text, after);
    ghost = pair && pair.model === source.model() ? pair.ghost : '';
  }
  if (!ghost) return { items: [] };
  hooks.onGhost?.(ghost, performance.now() - started);
  const item = { insertText: text + ghost, range: new monaco.Range(range.startLineNumber, range.startColumn, position.lineNumber, position.column) };
  typedUnder.set(item, under);
  return { items: [item] };
}

export function registerProviders(source: CompletionSource, hooks: CompletionHooks = {}): monaco.IDisposable {
  const disposables: monaco.IDisposable[] = [];
  for (const { id } of LANGUAGES) {
    disposables.push(
      monaco.languages.registerCompletionItemProvider(id, {
        triggerCharacters: [' ', '.', '(', '_'],
        async provideCompletionItems(model, position) {
          const { before, after } = around(model, position);
          const answer = await source.at(before, after);
          if (!answer) return { suggestions: [] };
          const { predictions: pair, prefix } = answer.pair;
          // An answer for a cursor the user has typed on to still serves this list: its items replace from where
          // their healed prefix starts, which must not lie after the cursor Monaco asked about.
          const back = prefix.length - answer.typed.length;
          if (back < 0) return { suggestions: [], incomplete: true };
          const selected = source.model();
          const weighed = selected === 'finetuned' ? answer.pair.region : undefined;
          const start = model.getPositionAt(model.getOffsetAt(position) - back);
          const range = new monaco.Range(start.lineNumber, start.column, position.lineNumber, position.column);
          const suggestions = pair[selected]
            .filter((p) => listable(p.token))
            .map((p, i) => {
              const other = pair.compare.find((c) => c.id === p.id);
              const ft = other ? 2 ** other.finetuned.log2Prob : 0;
              const base = other ? 2 ** other.base.log2Prob : 0;
              const shown = displayToken(p.token);
              return {
                label: { label: shown.text, description: `${percent(p.prob)}` },
                kind: /^ ?[\p{L}\p{N}_$]/u.test(p.token) ? monaco.languages.CompletionItemKind.Variable : monaco.languages.CompletionItemKind.Operator,
                // The list's own figure may be the fine-tuned model's weighed by where the cursor is (code, string or
                // comment); the detail keeps both models' own probabilities beside it.
                detail: `fine-tuned ${percent(ft)} · base ${percent(base)} · ${p.orderUsed}-gram${weighed ? ` · ${percent(p.prob)} weighed for ${weighed}` : ''}`,
                insertText: p.token,
                filterText: p.token,
                sortText: String(i).padStart(3, '0'),
                range,
              };
            });
          return { suggestions, incomplete: true };
        },
      }),
    );
    disposables.push(
      monaco.languages.registerInlineCompletionsProvider(id, {
        debounceDelayMs: GHOST_DEBOUNCE_MS,
        async provideInlineCompletions(model, position, context) {
          if (!source.ghost()) return { items: [] };
          if (context.selectedSuggestionInfo) return ghostAfterChoice(source, model, position, context.selectedSuggestionInfo, hooks);
          // User-timing marks (DevTools' performance panel, bench/ghost-latency.ts): where a keystroke's time goes.
          const started = performance.mark('codegram:ghost-asked').startTime;
          const { before, after } = around(model, position);
          // Waits for the first models if they are on their way: Monaco keeps waiting for this keystroke's ghost
          // (the next keystroke cancels it), and the list does not pop up meanwhile (Editor.svelte).
          const answer = await source.at(before, after, true);
          performance.mark('codegram:ghost-answered');
          // The ghost is inserted at the cursor, so only an answer for this very cursor will do.
          const ghost = answer && answer.typed === '' && answer.pair.model === source.model() ? answer.pair.ghost : '';
          if (!ghost) return { items: [] };
          hooks.onGhost?.(ghost, performance.now() - started);
          return { items: [{ insertText: ghost, range: new monaco.Range(position.lineNumber, position.column, position.lineNumber, position.column) }] };
        },
        handlePartialAccept(_completions, _item, _characters, info) {
          hooks.onAccept?.(info.acceptedLength);
        },
        handleEndOfLifetime(_completions, item, reason) {
          if (reason.kind !== monaco.languages.InlineCompletionEndOfLifeReasonKind.Accepted) return;
          const text = typeof item.insertText === 'string' ? item.insertText : '';
          hooks.onAccept?.(text.length - (typedUnder.get(item) ?? 0));
        },
        disposeInlineCompletions() {},
      }),
    );
  }
  return { dispose: () => disposables.forEach((d) => d.dispose()) };
}
