/**
 * The guided path: a welcome and six steps that follow the story (pretraining, fine-tuning, measuring, prompting,
 * limits, your turn). This class holds where the learner is and whether the welcome was dismissed (remembered in
 * localStorage, so a second visit opens without it); what each step says and does lives in Tour.svelte, which
 * acts on the live models through the other state classes. The step is also part of the link (state/url.ts), so
 * a teacher can send a class straight to one.
 */

export interface TourStep {
  id: string;
  title: string;
  /** The parts of the page it speaks about (their `data-tour` names): highlighted while the rest is dimmed. */
  parts: readonly string[];
}

export const TOUR_STEPS: readonly TourStep[] = [
  { id: 'welcome', title: 'Welcome to Codegram', parts: [] },
  { id: 'pretraining', title: '1. Pretraining: a model of English', parts: ['editor', 'predictions', 'switch'] },
  { id: 'fine-tuning', title: '2. Fine-tuning: the same model, shown code', parts: ['switch', 'fine-tuning', 'predictions', 'analysis'] },
  { id: 'measuring', title: '3. Measuring: how surprised is each model?', parts: ['editor', 'lessons', 'switch'] },
  { id: 'prompting', title: '4. Prompting: the same weights, different context', parts: ['editor', 'lessons', 'prompting'] },
  { id: 'limits', title: '5. Limits: a few tokens of memory, code that does not work', parts: ['editor', 'predictions', 'code-check'] },
  { id: 'your-turn', title: '6. Your turn', parts: ['training-data', 'editor'] },
];

export const TOUR_STEP_IDS = TOUR_STEPS.map((s) => s.id);

const SEEN_KEY = 'codegram:tour-seen';

/** The part of Storage the tour uses (localStorage on the page; a map in tests). */
export interface SmallStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function browserStore(): SmallStore | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled: the welcome shows on every visit, nothing breaks
  }
}

export class TourState {
  open = $state(false);
  index = $state(0);

  /**
   * @param linkedStep a step named by the page's link: the tour opens there, welcome dismissed or not
   * @param store where the dismissal is remembered
   */
  constructor(
    linkedStep?: string,
    private readonly store: SmallStore | null = browserStore(),
  ) {
    const linked = linkedStep === undefined ? -1 : TOUR_STEP_IDS.indexOf(linkedStep);
    if (linked >= 0) {
      this.index = linked;
      this.open = true;
    } else this.open = !this.seen;
  }

  get step(): TourStep {
    return TOUR_STEPS[this.index];
  }

  get first(): boolean {
    return this.index === 0;
  }

  get last(): boolean {
    return this.index === TOUR_STEPS.length - 1;
  }

  /** Whether the welcome was dismissed in this browser before. */
  get seen(): boolean {
    try {
      return this.store?.getItem(SEEN_KEY) === '1';
    } catch {
      return false;
    }
  }

  /** Opens the tour (the "Tour" button): where the learner left it, or at the start after the last step. */
  start(): void {
    if (this.last) this.index = 0;
    this.open = true;
  }

  next(): void {
    if (!this.last) this.index++;
  }

  back(): void {
    if (!this.first) this.index--;
  }

  goTo(id: string): void {
    const i = TOUR_STEP_IDS.indexOf(id);
    if (i >= 0) this.index = i;
  }

  /** Closes the tour and remembers it: the next visit opens without the welcome. */
  close(): void {
    this.open = false;
    try {
      this.store?.setItem(SEEN_KEY, '1');
    } catch {
      // storage full or disabled: the welcome comes back next time, which is harmless
    }
  }

  /** The step for the link while the tour is open. */
  get linkStep(): string | undefined {
    return this.open ? this.step.id : undefined;
  }
}
