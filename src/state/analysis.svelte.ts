/**
 * The analysis views' state: the fine-tuning curve, the naturalness table (a background job in the worker,
 * with progress) and the "why this suggestion" report. Results belong to one set of models: when the models
 * change (`models.ready`) the curve is dropped and asked for again; the table is kept, marked stale, unless only
 * the data-fraction models were added (the same `modelsId`).
 */
import type { FineTuningCurve } from '../analysis/curve.ts';
import type { WhyReport } from '../analysis/model-analysis.ts';
import type { NaturalnessTable } from '../analysis/naturalness.ts';
import type { ModelKind, ModelsReady } from '../build/model-set.ts';
import { isStopped } from '../lm/errors.ts';
import type { ModelsState } from './models.svelte.ts';

export class AnalysisState {
  curve = $state.raw<FineTuningCurve | null>(null);
  curveMs = $state(0);
  table = $state.raw<NaturalnessTable | null>(null);
  tableMs = $state(0);
  /** The naturalness job while it runs. */
  tableProgress = $state.raw<{ fraction: number; detail: string } | null>(null);
  why = $state.raw<WhyReport | null>(null);
  whyFor = $state.raw<{ context: string; token: string } | null>(null);
  whyMs = $state(0);
  error = $state<string | null>(null);

  private curveOf: ModelsReady | null = null;
  /** The modelsId of the table shown or being computed. */
  private tableOf: number | null = null;

  /** @param source the page's models (a getter, so a component can pass its prop through). */
  constructor(private readonly source: () => ModelsState) {}

  private get models(): ModelsState {
    return this.source();
  }

  /** Asks for the curve of the current models, once per model set. */
  async loadCurve(): Promise<void> {
    const { client, ready } = this.models;
    if (!client || !ready || this.curveOf === ready) return;
    this.curveOf = ready;
    this.curve = null;
    const started = performance.now();
    try {
      const curve = await client.curve();
      if (this.models.ready === ready) {
        this.curve = curve;
        this.curveMs = performance.now() - started;
      }
    } catch (e) {
      this.curveOf = null;
      this.fail(e);
    }
  }

  /**
   * Starts the naturalness job (orders 1–6) for the current models; progress shows while it runs. The table
   * depends on the base and full code models alone (`modelsId`): the data-fraction models arriving meanwhile
   * leave it be, and new models (the full ones after the quick ones, a rebuild) stop it in the worker, so it
   * starts again on those. A table that arrives after its models were replaced is shown, marked stale.
   */
  async computeNaturalness(): Promise<void> {
    if (this.tableProgress) return;
    let detail = 'reading the corpora';
    for (;;) {
      const { client, ready } = this.models;
      if (!client || !ready || (this.table && this.tableOf === ready.modelsId)) return;
      const mine = ready.modelsId;
      this.tableOf = mine;
      this.table = null;
      this.tableProgress = { fraction: 0, detail };
      const started = performance.now();
      try {
        this.table = await client.naturalness({ onProgress: (p) => (this.tableProgress = { fraction: p.fraction, detail: p.detail }) });
        this.tableMs = performance.now() - started;
        this.tableProgress = null;
        return;
      } catch (e) {
        const now = this.models.ready;
        if (isStopped(e) && now && now.modelsId !== mine) {
          detail = 'the models changed: starting again on the new ones';
          continue;
        }
        this.tableOf = null;
        this.tableProgress = null;
        this.fail(e);
        return;
      }
    }
  }

  /** True when the table shown (or being computed) belongs to older models. */
  get tableStale(): boolean {
    return this.tableOf !== null && this.tableOf !== this.models.ready?.modelsId;
  }

  async explain(context: string, token: string, model: ModelKind): Promise<void> {
    const client = this.models.client;
    if (!client || !this.models.ready) return;
    const started = performance.now();
    try {
      const r = await client.why(context, token, model);
      if (r) {
        this.why = r;
        this.whyFor = { context, token };
        this.whyMs = performance.now() - started;
      }
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (isStopped(e)) return; // new models (the views ask again), or a newer question
    this.error = (e as Error).message;
  }
}
