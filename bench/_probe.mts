import { buildModels } from '../src/build/build.ts';
import { ModelSet } from '../src/build/model-set.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { fileAccess } from './pipeline.ts';
import { completion } from '../src/worker/queries.ts';
const set = new ModelSet(await buildModels(fileAccess('public/corpora'), DEFAULT_BUILD_SETTINGS));
for (const text of ['x = [1, 2, 3]\nfor item in ', 'def area(width, height):\n    return width * ', 'for i in range(10):\n    print(i', 'import os\n\n# read the config file and return its ']) {
  const c = completion(set, text, '', 8, 24, 'finetuned');
  console.log(JSON.stringify(text), '→', c.predictions.finetuned.slice(0, 6).map((p) => `${JSON.stringify(p.token)} ${(100 * p.prob).toFixed(1)}`).join(', '), '| ghost', JSON.stringify(c.ghost));
}
