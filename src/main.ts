import { mount } from 'svelte';
import { pageUpdate } from './state/app-update.svelte.ts';
import { readUploads } from './state/corpora.svelte.ts';
import type { Request } from './worker/protocol.ts';
import './app.css';

// The page's one model worker; Vite bundles it from this `new Worker(new URL(…))` expression. Started here, at
// the top, so the components never import the worker (state talks to it through the client).
const startWorker = () => new Worker(new URL('./worker/model-worker.ts', import.meta.url), { type: 'module', name: 'codegram-models' });

// The first worker starts before the app's own code (most of it the editor) has even loaded, and gets ready
// meanwhile: on a reload it reads the cached models; on a first visit it looks at the manifest and loads the build
// workers, and once the app's code runs (told below) it reads the default corpora and trains the quick models
// (worker/service.ts, prefetch).
let early: Worker | null = startWorker();
// The link's language (state/url.ts writes it as `lang=` in the hash): the quick models learn that language's code.
const linked = new URLSearchParams(location.hash.slice(1)).get('lang') ?? undefined;
early.postMessage({ type: 'prefetch', id: 0, corporaUrl: new URL('corpora/', document.baseURI).href, language: linked, afterAppLoads: true } satisfies Request);
const firstThenNew = () => {
  const worker = early ?? startWorker();
  early = null;
  return worker;
};

// The user's uploads decide the first build's settings: read now, while the app's code loads, rather than after.
const restored = readUploads();

// A user-timing mark where the app's chunk is imported: its request, preloaded from the page (vite.config.ts), started
// well before (an end-to-end test checks it).
performance.mark('codegram:app-import');
void import('./components/App.svelte').then(({ default: App }) => {
  early?.postMessage({ type: 'app-loaded', id: 0 } satisfies Request);
  mount(App, { target: document.getElementById('app')!, props: { startWorker: firstThenNew, restored } });
});

// The service worker (src/sw/, written into the build beside index.html by pwa/plugin.ts, which also defines its
// file name here) makes the site work offline after one visit. Builds only: the dev server has none, and its modules
// change under it. Its scope is the folder the site is served from, whatever that folder is (the base is relative).
// Registered once every model is built (state marks it: the data-fraction models too), or a few seconds after the
// full models are ready when no more are coming (a load from the cache), or half a minute after the page's load
// event, whichever comes first: on a first visit its downloads and hashing (9 MB, about 1 s of a core) would
// otherwise take a core from the build workers while the visitor waits for the models. (Registered at Ready, as
// before, it installed while the data-fraction models were being built.)
const serviceWorker: string | undefined = import.meta.env.CODEGRAM_SERVICE_WORKER;
if (serviceWorker && 'serviceWorker' in navigator) {
  let registered = false;
  const register = () => {
    if (registered) return;
    registered = true;
    void pageUpdate().start(new URL(serviceWorker, document.baseURI).href, new URL('./', document.baseURI).href);
  };
  const READY_MARK = 'codegram:models-ready';
  const COMPLETE_MARK = 'codegram:models-complete';
  /** After "ready", how long the data-fraction models may take before the worker registers anyway (a load from the cache builds none). */
  const AFTER_READY_MS = 5000;
  if (performance.getEntriesByName(COMPLETE_MARK).length) register();
  else {
    const watch = new PerformanceObserver((list) => {
      if (list.getEntriesByName(COMPLETE_MARK).length) {
        watch.disconnect();
        register();
      } else if (list.getEntriesByName(READY_MARK).length) setTimeout(register, AFTER_READY_MS);
    });
    watch.observe({ type: 'mark', buffered: true });
    const later = () => setTimeout(register, 30_000);
    if (document.readyState === 'complete') later();
    else addEventListener('load', later, { once: true });
  }
}
