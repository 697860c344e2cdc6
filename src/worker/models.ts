/**
 * The one owner of the live models. Builds and model-file loads both end by swapping in a new ModelSet, and they
 * can overlap (a load started during a rebuild, a rebuild started during a load), so the swap has one rule:
 * whatever the user did last wins. Every change takes a ticket when it starts (`begin`); it may go live only if
 * no change that started after it has gone live already (`install`). So a build that started before a load and
 * finishes after it never replaces the loaded model, a load that started before a build and finishes after it
 * never replaces the built models, and a change that failed leaves the rest to decide among themselves.
 */
import { Analysis } from '../analysis/model-analysis.ts';
import type { ModelKind, ModelSet } from '../build/model-set.ts';
import { backgroundTask } from '../build/scheduler.ts';
import type { Texts } from '../build/texts.ts';
import type { BuildStreams } from '../build/staged.ts';
import { CodegramError } from '../lm/errors.ts';
import { completion } from './queries.ts';

export class LiveModels {
  private set: ModelSet | null = null;
  private analysisOf: Analysis | null = null;
  /** Reloads the texts the current models were built from (the analysis views of a cached or loaded set). */
  private textsOf: (() => Promise<Texts>) | null = null;
  private started = 0;
  private installed = 0;

  /** The live models, or null before the first build. */
  get current(): ModelSet | null {
    return this.set;
  }

  /** The live models; a 'not-ready' error before the first build. */
  need(): ModelSet {
    if (!this.set) throw new CodegramError('not-ready', 'the models are not built yet');
    return this.set;
  }

  /** The analysis views of the live models. */
  analysis(): Analysis {
    this.need();
    return this.analysisOf!;
  }

  /** A ticket for a change that starts now; later changes get larger tickets. */
  begin(): number {
    return ++this.started;
  }

  /**
   * Makes `set` the live models for the change holding `ticket` (keeping the current mix settings), or throws
   * 'cancelled' when a later change went live first. `corpus` is where the analysis views get the texts the
   * set was built from: `texts` now, `reload` later; a model file passes none (it replaces models, not corpora).
   */
  install(ticket: number, set: ModelSet, what: string, corpus?: { texts: () => Promise<Texts>; reload: () => Promise<Texts>; streams?: BuildStreams | null }): void {
    // The same change may install again (quick models, then the full ones); an older one never.
    if (ticket < this.installed) throw new CodegramError('cancelled', `${what} finished after a newer change to the models; the newer one stays`);
    if (this.set) {
      set.setMix(this.set.settings);
      // The editor's text stays what it was: the page sends it again only when it changes.
      if (this.set.document) set.setDocument(this.set.document);
    }
    this.installed = ticket;
    this.set = set;
    if (corpus) this.textsOf = corpus.reload;
    this.analysisOf?.dispose(); // stops the old views' jobs: their requests get 'cancelled'
    this.analysisOf = new Analysis(set, corpus?.texts ?? this.textsOf, { streams: corpus?.streams });
    this.warmUp(set);
  }

  /**
   * The first completion on new models builds their lazy indexes (each vocabulary's prefix index, lm/prefix-index.ts,
   * and the unigram ranking), and its code runs cold: 68 ms for the first of these queries in a first visit's trace.
   * They are built now instead, one query per task, while the page is still loading or the user has not typed yet; a
   * query that arrives meanwhile waits for one of these at most (each is a background task: scheduler.ts
   * `backgroundTask`).
   */
  private warmUp(set: ModelSet): void {
    const asks: [string, ModelKind][] = [
      ['x = ', 'finetuned'],
      ['def f', 'finetuned'],
      ['x = ', 'base'],
      ['def f', 'base'],
    ];
    let i = 0;
    const step = () => {
      if (this.set !== set || i >= asks.length) return;
      const [before, model] = asks[i++];
      try {
        completion(set, before, '', 12, 24, model);
      } catch {
        // Only a warm-up: a real query reports what is wrong.
      }
      void backgroundTask().then(step);
    };
    void backgroundTask().then(step);
  }

  /**
   * Replaces `old` by `next`, the same models with more of them (the data-fraction models), if `old` is still
   * live; else throws 'cancelled' (a build or a model file replaced it meanwhile, and stays).
   */
  refine(old: ModelSet, next: ModelSet): void {
    if (this.set !== old) throw new CodegramError('cancelled', 'the models changed while their data-fraction models were built');
    next.setMix(old.settings);
    next.setDocument(old.document);
    this.set = next;
    // The same base and full code models: the analysis keeps what it prepared and the jobs it runs.
    if (this.analysisOf) this.analysisOf.extend(next);
    else this.analysisOf = new Analysis(next, this.textsOf);
    this.warmUp(next);
  }
}
