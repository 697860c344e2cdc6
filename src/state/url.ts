/**
 * What the user sees lives in the URL hash, so a link reproduces it: the editor text (deflated, base64url),
 * the language, the model, the fine-tuning strength, the n-gram order and the tour's step; a classroom link may
 * also hide chosen controls (`hide`), as TensorFlow Playground's links do. Bad values are dropped with a message,
 * never trusted: a shared link is input like any other. UrlSync writes the hash as the page changes.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import { DEFAULT_BUILD_SETTINGS } from '../build/settings.ts';

export interface UrlState {
  text?: string;
  language?: string;
  model?: 'base' | 'finetuned';
  /** Fine-tuning strength λ in [0, 1]; absent means the fitted value. */
  strength?: number;
  /** n-gram order of the models, 1..SITE_MAX_ORDER. */
  order?: number;
  /** The tour's step while it is open (state/tour.svelte.ts TOUR_STEP_IDS). */
  step?: string;
  /** Controls a classroom link hides (HIDEABLE). */
  hide?: readonly Hideable[];
}

/** What a classroom link can hide: each a control or panel of the page, by the name the link uses. */
export const HIDEABLE = ['switch', 'language', 'order', 'ghost', 'snippets', 'fine-tuning', 'model-files', 'analysis', 'lessons', 'code-check', 'training-data', 'tour'] as const;
export type Hideable = (typeof HIDEABLE)[number];

/** Highest order the site builds: beyond it models grow large for a browser tab and gain little. */
export const SITE_MAX_ORDER = 8;

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function encodeUrlState(state: UrlState): string {
  const p = new URLSearchParams();
  if (state.text) p.set('t', toBase64Url(deflateSync(strToU8(state.text), { level: 9 })));
  if (state.language) p.set('lang', state.language);
  if (state.model) p.set('model', state.model);
  if (state.strength !== undefined) p.set('s', String(Math.round(state.strength * 1000) / 1000));
  if (state.order !== undefined) p.set('order', String(state.order));
  if (state.step) p.set('step', state.step);
  if (state.hide?.length) p.set('hide', state.hide.join(','));
  return p.toString();
}

/** Parses a hash (with or without '#'); problems come back as messages next to what could be used. */
export function decodeUrlState(hash: string, languages: readonly string[], steps: readonly string[] = []): { state: UrlState; problems: string[] } {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const state: UrlState = {};
  const problems: string[] = [];
  const t = p.get('t');
  if (t) {
    try {
      state.text = strFromU8(inflateSync(fromBase64Url(t)));
    } catch {
      problems.push('the text in the link is damaged and was not loaded');
    }
  }
  const lang = p.get('lang');
  if (lang !== null) {
    if (languages.includes(lang)) state.language = lang;
    else problems.push(`unknown language "${lang.slice(0, 40)}" in the link; using the default`);
  }
  const model = p.get('model');
  if (model !== null) {
    if (model === 'base' || model === 'finetuned') state.model = model;
    else problems.push(`unknown model "${model.slice(0, 40)}" in the link; using the fine-tuned model`);
  }
  const s = p.get('s');
  if (s !== null) {
    const v = Number(s);
    if (Number.isFinite(v) && v >= 0 && v <= 1) state.strength = v;
    else if (Number.isFinite(v)) {
      state.strength = Math.min(1, Math.max(0, v));
      problems.push(`fine-tuning strength ${s.slice(0, 20)} is outside 0..1; clamped to ${state.strength}`);
    } else problems.push(`fine-tuning strength "${s.slice(0, 20)}" is not a number; using the fitted value`);
  }
  const order = p.get('order');
  if (order !== null) {
    const v = Number(order);
    if (!Number.isInteger(v)) problems.push(`n-gram order "${order.slice(0, 20)}" is not a whole number; using the default`);
    else {
      state.order = Math.min(SITE_MAX_ORDER, Math.max(1, v));
      if (state.order !== v) problems.push(`n-gram order ${v} is outside 1..${SITE_MAX_ORDER}; clamped to ${state.order}`);
    }
  }
  const step = p.get('step');
  if (step !== null) {
    if (steps.includes(step)) state.step = step;
    else problems.push(`unknown tour step "${step.slice(0, 40)}" in the link; the tour opens as usual`);
  }
  const hide = p.get('hide');
  if (hide !== null) {
    const names = hide.split(',').filter((h) => h !== '');
    const known = names.filter((h): h is Hideable => (HIDEABLE as readonly string[]).includes(h));
    for (const h of names) if (!known.includes(h as Hideable)) problems.push(`"${h.slice(0, 40)}" in the link's hide list is not a control the page can hide`);
    if (known.length) state.hide = [...new Set(known)];
  }
  return { state, problems };
}

/** What the page shows, as the link records it: the order only when it differs from the default. */
export function pageUrlState(page: {
  text: string;
  language: string;
  model: 'base' | 'finetuned';
  lambda: number | null;
  order: number;
  step?: string;
  hide?: readonly Hideable[];
}): UrlState {
  return {
    text: page.text,
    language: page.language,
    model: page.model,
    strength: page.lambda ?? undefined,
    order: page.order === DEFAULT_BUILD_SETTINGS.order ? undefined : page.order,
    step: page.step,
    hide: page.hide,
  };
}

/**
 * Keeps the URL hash in step with what the user sees: `update` after every change; the hash is written after a
 * quiet `delayMs` (history.replaceState, so no history entries pile up), with the latest state only.
 */
export class UrlSync {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly write: (hash: string) => void = (hash) => history.replaceState(null, '', `#${hash}`),
    private readonly delayMs = 300,
  ) {}

  update(state: UrlState): void {
    this.cancel();
    // Encoded when written, not per keystroke: deflating the editor's text is work a keystroke should not wait on.
    this.timer = setTimeout(() => this.write(encodeUrlState(state)), this.delayMs);
  }

  /** Drops a write not done yet. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
