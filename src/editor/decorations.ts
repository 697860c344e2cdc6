/**
 * Monaco decorations of the lesson views: each token coloured by its rank class under the selected model, each
 * token outlined (alternating styles), and a hover provider that explains the token under the mouse. The
 * classes are styled in app.css (`.cg-rank-*`, `.cg-token-*`), readable in light and dark schemes.
 */
import type { TokenReport } from '../analysis/lessons.ts';
import type { ModelKind } from '../build/model-set.ts';
import { hoverMarkdown, rankClass, tokenSpans } from './lesson.ts';
import { LANGUAGES, monaco } from './monaco.ts';

export class LessonDecorations {
  private readonly ranks: monaco.editor.IEditorDecorationsCollection;
  private readonly outlines: monaco.editor.IEditorDecorationsCollection;
  private reports: { text: string; tokens: TokenReport[] } | null = null;
  private readonly hover: monaco.IDisposable;

  constructor(private readonly editor: monaco.editor.IStandaloneCodeEditor) {
    this.ranks = editor.createDecorationsCollection();
    this.outlines = editor.createDecorationsCollection();
    const self = this;
    this.hover = monaco.languages.registerHoverProvider(
      LANGUAGES.map((l) => l.id),
      {
        provideHover(model, position) {
          if (model !== self.editor.getModel()) return null;
          const t = self.tokenAt(model.getOffsetAt(position));
          if (!t) return null;
          const from = model.getPositionAt(t.start);
          const to = model.getPositionAt(t.start + t.token.length);
          return {
            range: new monaco.Range(from.lineNumber, from.column, to.lineNumber, to.column),
            contents: hoverMarkdown(t).map((value) => ({ value })),
          };
        },
      },
    );
  }

  /** The scored token covering an offset, when the scores belong to the editor's current text. */
  private tokenAt(offset: number): TokenReport | null {
    const r = this.reports;
    if (!r || r.text !== this.editor.getValue()) return null;
    let lo = 0;
    let hi = r.tokens.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = r.tokens[mid];
      if (offset < t.start) hi = mid - 1;
      else if (offset >= t.start + t.token.length) lo = mid + 1;
      else return t;
    }
    return null;
  }

  /** Colours the tokens by rank under `model`; null clears. Scores of another text are ignored. */
  colour(scored: { text: string; tokens: TokenReport[] } | null, model: ModelKind): void {
    this.reports = scored;
    const m = this.editor.getModel();
    if (!scored || !m || scored.text !== m.getValue()) {
      this.ranks.clear();
      return;
    }
    this.ranks.set(
      scored.tokens
        .filter((t) => t.token.trim() !== '')
        .map((t) => {
          // Colour the visible part: a folded leading space or a newline with indentation stays uncoloured.
          const lead = t.token.length - t.token.trimStart().length;
          const from = m.getPositionAt(t.start + lead);
          const to = m.getPositionAt(t.start + t.token.trimEnd().length);
          return {
            range: new monaco.Range(from.lineNumber, from.column, to.lineNumber, to.column),
            options: { inlineClassName: `cg-rank cg-rank-${rankClass(t[model].rank)}` },
          };
        }),
    );
  }

  /** Outlines every token of the editor's text (computed here: tokenizing needs no worker). */
  outline(on: boolean): void {
    const m = this.editor.getModel();
    if (!on || !m) {
      this.outlines.clear();
      return;
    }
    this.outlines.set(
      tokenSpans(m.getValue()).map((s) => {
        const from = m.getPositionAt(s.start);
        const to = m.getPositionAt(s.end);
        return {
          range: new monaco.Range(from.lineNumber, from.column, to.lineNumber, to.column),
          options: { inlineClassName: `cg-token cg-token-${s.parity}` },
        };
      }),
    );
  }

  dispose(): void {
    this.hover.dispose();
    this.ranks.clear();
    this.outlines.clear();
  }
}
export type CodeEditor = monaco.editor.IStandaloneCodeEditor;
