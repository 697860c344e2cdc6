/** What a build makes (build.ts, staged.ts): the models, their weights, and how far the build has come. */
import type { NgramModel } from '../lm/model.ts';
import type { GroupModels, LanguageFit } from './fit.ts';

/**
 * How far a build has come: 'quick' models answer first (staged.ts), 'full' ones have every group at 100% of its
 * code (what the cache keeps), 'complete' ones have every data fraction too. Absent: complete (a model file).
 */
export type ModelsStage = 'quick' | 'full' | 'complete';

export interface BuiltModels {
  base: NgramModel;
  /** Groups with training files, in CODE_GROUPS order (a group without files has no models and no weight). */
  groups: GroupModels[];
  /** One per CODE_LANGUAGES entry. */
  fits: LanguageFit[];
  stage?: ModelsStage;
}
