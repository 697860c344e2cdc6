/**
 * The analysis views' state: the fine-tuning curve, the naturalness table (a background job in the worker,
 * with progress) and the "why this suggestion" report. Results belong to one set of models: when the models
 * are rebuilt (`models.ready` changes) they are dropped and asked for again.
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
  private tableOf: ModelsReady | null = null;

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

  /** Starts the naturalness job (orders 1–6) for the current models; progress shows while it runs. */
  async computeNaturalness(): Promise<void> {
    const { client, ready } = this.models;
    if (!client || !ready || this.tableOf === ready) return;
    this.tableOf = ready;
    this.table = null;
    this.tableProgress = { fraction: 0, detail: 'reading the corpora' };
    const started = performance.now();
    try {
      const table = await client.naturalness({ onProgress: (p) => (this.tableProgress = { fraction: p.fraction, detail: p.detail }) });
      if (this.models.ready === ready) {
        this.table = table;
        this.tableMs = performance.now() - started;
      }
    } catch (e) {
      this.tableOf = null;
      this.fail(e);
    } finally {
      if (this.tableOf === ready || this.tableOf === null) this.tableProgress = null;
    }
  }

  /** True when the table shown (or being computed) belongs to older models. */
  get tableStale(): boolean {
    return this.tableOf !== null && this.tableOf !== this.models.ready;
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
