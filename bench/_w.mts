import { buildModels } from '../src/build/build.ts';
import { ModelSet } from '../src/build/model-set.ts';
import { DEFAULT_BUILD_SETTINGS } from '../src/build/settings.ts';
import { fileAccess } from './pipeline.ts';
import { completion } from '../src/worker/queries.ts';
const set = new ModelSet(await buildModels(fileAccess('public/corpora'), DEFAULT_BUILD_SETTINGS));
const text = 'import os\n\n\ndef read_config(path):\n    with open(path) as f:\n        data = f.read()\n        lines = data.sp';
const ms: number[] = [];
for (let i = 40; i <= text.length; i++) { const t = performance.now(); completion(set, text.slice(0, i), '', 12, 24, 'finetuned'); ms.push(performance.now() - t); }
ms.sort((a, b) => a - b);
console.log('n', ms.length, 'p50', ms[Math.floor(ms.length / 2)].toFixed(2), 'p95', ms[Math.floor(ms.length * 0.95)].toFixed(2), 'max', ms[ms.length - 1].toFixed(2));
for (let i = 40; i <= text.length; i++) { const t = performance.now(); completion(set, text.slice(0, i), '', 12, 24, 'finetuned'); const d = performance.now() - t; if (d > 5) console.log(JSON.stringify(text.slice(Math.max(0, i - 15), i)), d.toFixed(1)); }
