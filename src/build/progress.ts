/** A build's progress: each stage owns a span of [0, 1], and the overall fraction never decreases. */
import type { BuildStage } from './settings.ts';

/** Progress goes out at most this often, and at every stage change. */
export const PROGRESS_MS = 100;

export interface BuildProgress {
  stage: BuildStage;
  detail: string;
  /** Overall, 0..1, never decreasing within one build. */
  fraction: number;
  stageFraction: number;
  tokensPerSecond: number;
}

export class ProgressMeter {
  private last = 0;
  private lastSent = -Infinity;
  private stage: BuildStage | null = null;
  private stageStarted = performance.now();

  constructor(private readonly onProgress?: (p: BuildProgress) => void) {}

  report(stage: BuildStage, detail: string, from: number, to: number, stageFraction: number, tokens = 0): void {
    const now = performance.now();
    const changed = stage !== this.stage;
    if (changed) {
      this.stage = stage;
      this.stageStarted = now;
    }
    const f = Math.max(0, Math.min(1, stageFraction));
    this.last = Math.max(this.last, from + (to - from) * f);
    if (!changed && f < 1 && now - this.lastSent < PROGRESS_MS) return;
    this.lastSent = now;
    const seconds = (now - this.stageStarted) / 1000;
    this.onProgress?.({ stage, detail, fraction: this.last, stageFraction: f, tokensPerSecond: seconds > 0 ? tokens / seconds : 0 });
  }
}
