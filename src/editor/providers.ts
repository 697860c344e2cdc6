/**
 * Completions from the selected model, for every language: a suggestion list (the next tokens ranked by
 * probability, filtered by the half-typed word, each showing both models' probabilities) and inline ghost
 * text (the greedy continuation to the end of the line). Both ask a CompletionSource (the page's state);
 * superseded answers come back as null and are dropped.
 */
import type { CompletionSource, ModelKind, PredictionPair } from '../state/types.ts';
import { completionContext, displayToken } from './context.ts';
import { LANGUAGES, monaco } from './monaco.ts';

export interface CompletionHooks {
  /** Called with each ghost text shown and the time it took from the request (for the latency figure). */
  onGhost?: (text: string, elapsedMs: number) => void;
}

const percent = (p: number) => `${(100 * p).toFixed(p < 0.001 ? 3 : 1)}%`;

function textBefore(model: monaco.editor.ITextModel, position: monaco.Position): string {
  return model.getValueInRange({ startLineNumber: 1, startColumn: 1, endLineNumber: position.lineNumber, endColumn: position.column });
}

/** The greedy continuation after a text: the best token extending the typed prefix, then to the line end. */
export async function ghostText(source: CompletionSource, model: ModelKind, text: string, maxTokens = 12): Promise<string | null> {
  const { context, prefix } = completionContext(text);
  let first = '';
  if (prefix) {
    const pair = await source.predictions(context, 1, prefix, 'ghost');
    if (!pair) return null;
    const best = pair[model][0];
    if (!best || best.token === prefix) return '';
    first = best.token.slice(prefix.length);
  }
  const cont = await source.continuation(text + first, { method: 'greedy', maxTokens, stopAtNewline: true }, 'ghost');
  if (!cont) return null;
  const rest = cont[model].text;
  const line = (first + rest).split('\n')[0];
  return line;
}

export function registerProviders(source: CompletionSource, hooks: CompletionHooks = {}): monaco.IDisposable {
  const disposables: monaco.IDisposable[] = [];
  for (const { id } of LANGUAGES) {
    disposables.push(
      monaco.languages.registerCompletionItemProvider(id, {
        triggerCharacters: [' ', '.', '(', '_'],
        async provideCompletionItems(model, position) {
          const text = textBefore(model, position);
          const { context, prefix } = completionContext(text);
          const pair: PredictionPair | null = await source.predictions(context, 20, prefix, 'suggest').catch(() => null);
          if (!pair) return { suggestions: [] };
          const selected = source.model();
          const start = model.getPositionAt(model.getOffsetAt(position) - prefix.length);
          const range = new monaco.Range(start.lineNumber, start.column, position.lineNumber, position.column);
          const suggestions = pair[selected]
            .filter((p) => p.token.trim() !== '' && !p.token.includes('\n'))
            .map((p, i) => {
              const other = pair.compare.find((c) => c.id === p.id);
              const ft = other ? 2 ** other.finetuned.log2Prob : 0;
              const base = other ? 2 ** other.base.log2Prob : 0;
              const shown = displayToken(p.token);
              return {
                label: { label: shown.text, description: `${percent(p.prob)}` },
                kind: /^ ?[\p{L}\p{N}_$]/u.test(p.token) ? monaco.languages.CompletionItemKind.Variable : monaco.languages.CompletionItemKind.Operator,
                detail: `fine-tuned ${percent(ft)} · base ${percent(base)} · ${p.orderUsed}-gram`,
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
        async provideInlineCompletions(model, position) {
          const started = performance.now();
          const ghost = await ghostText(source, source.model(), textBefore(model, position)).catch(() => null);
          if (!ghost) return { items: [] };
          hooks.onGhost?.(ghost, performance.now() - started);
          return { items: [{ insertText: ghost, range: new monaco.Range(position.lineNumber, position.column, position.lineNumber, position.column) }] };
        },
        disposeInlineCompletions() {},
      }),
    );
  }
  return { dispose: () => disposables.forEach((d) => d.dispose()) };
}
