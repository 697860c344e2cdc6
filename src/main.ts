import { mount } from 'svelte';
import { pageUpdate } from './state/app-update.svelte.ts';
import type { Request } from './worker/protocol.ts';
import './app.css';

// The page's one model worker; Vite bundles it from this `new Worker(new URL(…))` expression. Started here, at
// the top, so the components never import the worker (state talks to it through the client).
const startWorker = () => new Worker(new URL('./worker/model-worker.ts', import.meta.url), { type: 'module', name: 'codegram-models' });

// The first worker starts before the app's own code (most of it the editor) has even loaded, and gets ready
// meanwhile: on a reload it reads the cached models, on a first visit the default corpora and then it trains the
// quick models (worker/service.ts, prefetch).
let early: Worker | null = startWorker();
early.postMessage({ type: 'prefetch', id: 0, corporaUrl: new URL('corpora/', document.baseURI).href } satisfies Request);
const firstThenNew = () => {
  const worker = early ?? startWorker();
  early = null;
  return worker;
};

void import('./components/App.svelte').then(({ default: App }) => mount(App, { target: document.getElementById('app')!, props: { startWorker: firstThenNew } }));

// The service worker (src/sw/, written into the build beside index.html by pwa/plugin.ts, which also defines its
// file name here) makes the site work offline after one visit. Builds only: the dev server has none, and its modules
// change under it. Its scope is the folder the site is served from, whatever that folder is (the base is relative).
// Registered after the page's load event, so its downloads (revalidations, mostly, of what the page just fetched) do
// not compete with the page's own.
const serviceWorker: string | undefined = import.meta.env.CODEGRAM_SERVICE_WORKER;
if (serviceWorker && 'serviceWorker' in navigator) {
  const register = () => void pageUpdate().start(new URL(serviceWorker, document.baseURI).href, new URL('./', document.baseURI).href);
  if (document.readyState === 'complete') register();
  else addEventListener('load', register, { once: true });
}
