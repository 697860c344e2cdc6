/**
 * Built models in the cache: the key a build is cached under, and reading and writing a whole build, and the
 * starter models a reload answers with while the whole build is read. A missing, stale or corrupt entry is never
 * an error for the user: a notice, and the models are rebuilt.
 */
import type { BuiltModels, LanguageFit } from '../build/build.ts';
import type { Scheduler } from '../build/scheduler.ts';
import type { CodeGroup } from '../corpus/types.ts';
import { FRACTIONS, PIPELINE_VERSION, TEXT_OPTIONS, type BuildSettings } from '../build/settings.ts';
import type { CorpusEntry } from '../corpus/manifest.ts';
import { deserializeModel, deserializeSteps, FORMAT_VERSION, ModelFormatError, modelFileSteps } from '../lm/format.ts';
import type { NgramModel } from '../lm/model.ts';
import { RegionCounts } from '../lm/regions.ts';
import { runToEnd } from '../lm/counts.ts';
import { cacheKey, clearModels, loadModels, loadStarter, saveModels, saveStarter, type FileBytes, type KeyValueStore } from '../storage/model-cache.ts';

/**
 * What the models' metadata look like in the cache (the models are separate files: the base, then each group's
 * models in fraction order): the groups and their fractions, and every language's fitted weights and figures.
 */
interface CacheMeta {
  /** How far the cached build had come (build.ts ModelsStage): 'full', the models a reload needs. */
  stage?: BuiltModels['stage'];
  /** `regions`: the group's region counts follow all the models, one file each, in group order (lm/regions.ts). */
  groups: { group: CodeGroup; fractions: number[]; regions?: boolean }[];
  fits: LanguageFit[];
}

/** Everything that decides what a build makes: the corpora's content hashes, the uploads, the settings, the versions. */
export function buildKey(corpora: readonly CorpusEntry[], settings: BuildSettings): Promise<string> {
  return (async () =>
    cacheKey({
      corpora: corpora.filter((c) => settings.useDefaults[c.kind]).map((c) => [c.id, c.sha256]),
      uploads: await Promise.all(settings.uploads.map(async (u) => [u.kind, await cacheKey(u.files)])),
      order: settings.order,
      fractions: FRACTIONS,
      text: TEXT_OPTIONS,
      format: FORMAT_VERSION,
      pipeline: PIPELINE_VERSION,
    }))();
}

/**
 * The cached build under `key`, or null (after `notice`) when the entry is missing or unusable. With a `scheduler`,
 * each model is read in its steps (lm/format.ts deserializeSteps) with pauses between them and between models: a
 * model's checksum and checks took up to 200 ms in one piece, and the thread meanwhile answers the editor (the
 * starter models may be live).
 */
export async function readBuild(key: string, store: KeyValueStore, notice: (message: string) => void, scheduler?: Scheduler): Promise<BuiltModels | null> {
  const found = await loadModels<CacheMeta>(key, store);
  if (found.status === 'miss') return null;
  if (found.status === 'invalid') {
    notice(`${found.message}; rebuilding`);
    await clearModels(store).catch(() => undefined);
    return null;
  }
  try {
    return await fromFiles(found.entry.meta, found.entry.files, scheduler);
  } catch (e) {
    const why = e instanceof ModelFormatError ? e.message : `unreadable (${(e as Error).message})`;
    notice(`the cached models could not be used: ${why}; rebuilding`);
    await clearModels(store).catch(() => undefined);
    return null;
  }
}

/**
 * The starter models cached beside the build under `key` (the quick models of the visit that built it), or null.
 * Nothing to tell the user when they are missing or unusable: the whole entry is read next, and it is what counts.
 */
export async function readStarter(key: string, store: KeyValueStore): Promise<BuiltModels | null> {
  const found = await loadStarter<CacheMeta>(key, store);
  try {
    return found ? await fromFiles(found.meta, found.files) : null;
  } catch {
    return null;
  }
}

/** Caches small models (the quick ones) beside the build under `key`; a failure only costs a later reload its head start. */
export async function writeStarter(key: string, built: BuiltModels, store: KeyValueStore, scheduler?: Scheduler): Promise<void> {
  const { meta, files } = await toFiles(built, scheduler);
  await saveStarter(key, meta, files, store).catch(() => undefined);
}

/**
 * A build as cache metadata and files: the models (base, then each group's in fraction order), then the region counts.
 * A model's file is made here from its arrays (their checksum in steps, with `scheduler`), not copied: the build
 * workers send the models as their arrays, where serializing each into a file took them up to 0.6 s on a first visit.
 */
async function toFiles(built: BuiltModels, scheduler?: Scheduler): Promise<{ meta: CacheMeta; files: FileBytes[] }> {
  const meta: CacheMeta = {
    groups: built.groups.map((g) => ({ group: g.group, fractions: g.fractions.map((f) => f.fraction), regions: g.regions !== undefined })),
    fits: built.fits,
    stage: built.stage,
  };
  const models: FileBytes[] = [];
  for (const model of [built.base, ...built.groups.flatMap((g) => g.fractions.map((f) => f.model))]) {
    models.push(scheduler ? await scheduler.drive(modelFileSteps(model)) : runToEnd(modelFileSteps(model)));
  }
  const regions = built.groups.flatMap((g) => (g.regions ? [g.regions.toArray(g.fractions[g.fractions.length - 1].model.vocab.size).buffer as ArrayBuffer] : []));
  return { meta, files: [...models, ...regions] };
}

/** The build that `toFiles` stored; throws ModelFormatError (or the model reader's error) when the files do not fit. */
async function fromFiles(meta: CacheMeta, files: ArrayBuffer[], scheduler?: Scheduler): Promise<BuiltModels> {
  const models = 1 + meta.groups.reduce((n, g) => n + g.fractions.length, 0);
  const expected = models + meta.groups.filter((g) => g.regions).length;
  if (files.length !== expected) throw new ModelFormatError(`expected ${expected} cached files, found ${files.length}`);
  const read: NgramModel[] = [];
  for (const f of files.slice(0, models)) {
    read.push(scheduler ? await scheduler.drive(deserializeSteps(f)) : deserializeModel(f));
    await scheduler?.pause();
  }
  const [base, ...codes] = read;
  let next = 0;
  let nextRegions = models;
  return {
    base,
    groups: meta.groups.map((g) => {
      const fractions = g.fractions.map((fraction) => ({ fraction, model: codes[next++] }));
      if (!g.regions) return { group: g.group, fractions };
      const bytes = files[nextRegions++];
      if (bytes.byteLength % 12 !== 0) throw new ModelFormatError(`the region counts of ${g.group} are cut short`);
      return { group: g.group, fractions, regions: new RegionCounts(new Uint32Array(bytes)) };
    }),
    fits: meta.fits,
    stage: meta.stage,
  };
}

/** Caches a build; a failure (quota, no IndexedDB) is a notice, never an error: the models are in use already. */
export async function writeBuild(key: string, built: BuiltModels, store: KeyValueStore, notice: (message: string) => void, scheduler?: Scheduler): Promise<void> {
  const { meta, files } = await toFiles(built, scheduler);
  try {
    await saveModels(key, meta, files, store);
  } catch (e) {
    notice(`the models could not be cached (${(e as Error).message}); they will be rebuilt next time`);
  }
}
