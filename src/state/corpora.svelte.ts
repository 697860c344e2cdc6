/**
 * What the models are trained on: the user's uploads (kept in IndexedDB, storage/uploads.ts), which default
 * corpora are used besides them, the default corpora themselves (from the manifest) and the n-gram order; these
 * make the build settings. Every change is saved first and built second, so an upload survives a reload that
 * comes while its models build (a newer change cancels a running build).
 */
import { DEFAULT_BUILD_SETTINGS, type BuildSettings } from '../build/settings.ts';
import type { CorporaManifest } from '../corpus/manifest.ts';
import type { CorpusKind, UserCorpus } from '../corpus/types.ts';
import { loadUploads, saveUploads, type LoadedUploads, type SaveResult, type UploadState } from '../storage/uploads.ts';
import { defaultCorpora, loadManifest, type DefaultCorpus } from './manifest.ts';
import type { ModelsState } from './models.svelte.ts';

/** Where uploads are kept (IndexedDB on the page; memory in tests). */
export interface UploadStore {
  load(): Promise<LoadedUploads>;
  save(state: UploadState): Promise<SaveResult>;
}

const browserStore: UploadStore = { load: () => loadUploads(), save: (s) => saveUploads(s) };

/** The uploads as IndexedDB has them, for `CorporaOptions.restored` (main.ts reads them before the app loads). */
export function readUploads(): Promise<LoadedUploads> {
  return browserStore.load();
}

export interface CorporaOptions {
  store?: UploadStore;
  manifest?: () => Promise<CorporaManifest>;
  /** The n-gram order to build (a link may set it). */
  order?: number;
  /**
   * The uploads as read already (main.ts starts reading them before the app's code has loaded, so the first build
   * need not wait for IndexedDB); read from `store` when absent.
   */
  restored?: Promise<LoadedUploads>;
}

export class CorporaState {
  uploads = $state.raw<UserCorpus[]>([]);
  useDefaults = $state.raw<Record<CorpusKind, boolean>>({ general: true, code: true });
  order = $state(DEFAULT_BUILD_SETTINGS.order);
  /** The manifest of the default corpora, once fetched; `manifestError` says why it could not be. */
  manifest = $state.raw<CorporaManifest | null>(null);
  manifestError = $state<string | null>(null);
  /** One line per kind of default corpus, for the corpus list (empty until the manifest is here). */
  defaults: DefaultCorpus[] = $derived(this.manifest ? defaultCorpora(this.manifest) : []);

  private readonly store: UploadStore;
  private readonly restored?: Promise<LoadedUploads>;
  private readonly fetchManifest: () => Promise<CorporaManifest>;

  constructor(
    private readonly models: Pick<ModelsState, 'build' | 'say'>,
    options: CorporaOptions = {},
  ) {
    this.store = options.store ?? browserStore;
    this.restored = options.restored;
    this.fetchManifest = options.manifest ?? loadManifest;
    if (options.order !== undefined) this.order = options.order;
  }


  get settings(): BuildSettings {
    return { ...DEFAULT_BUILD_SETTINGS, order: this.order, uploads: this.uploads, useDefaults: this.useDefaults };
  }

  /** The user's corpora come back from storage before the first build, so it trains on what they chose. */
  async restore(): Promise<void> {
    // Read ahead by main.ts, or now (also if that read failed in a way loadUploads does not report itself).
    const loaded = await (this.restored?.catch(() => this.store.load()) ?? this.store.load());
    for (const m of loaded.messages) this.models.say('warning', m);
    this.uploads = loaded.corpora;
    this.useDefaults = loaded.useDefaults;
    await this.models.build(this.settings);
  }

  /** Fetches the manifest for the corpus list and table; a failure is said and kept for the table. */
  async loadManifest(): Promise<void> {
    try {
      this.manifest = await this.fetchManifest();
    } catch (e) {
      this.manifestError = (e as Error).message;
      this.models.say('error', this.manifestError);
    }
  }

  /** The uploads or the default choices changed: save, then rebuild. */
  async change(next: UploadState): Promise<void> {
    this.uploads = next.corpora;
    this.useDefaults = next.useDefaults;
    // Save first, so an upload survives a reload that comes while its models build.
    const saved = await this.store.save({ corpora: this.uploads, useDefaults: this.useDefaults });
    if (!saved.ok) this.models.say('warning', saved.message);
    await this.models.build(this.settings);
  }

  async setOrder(order: number): Promise<void> {
    this.order = order;
    await this.models.build(this.settings);
  }
}
