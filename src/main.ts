import { mount } from 'svelte';
import App from './components/App.svelte';
import { pageUpdate } from './state/app-update.svelte.ts';
import './app.css';

// The page's one model worker; Vite bundles it from this `new Worker(new URL(…))` expression. Started here, at
// the top, so the components never import the worker (state talks to it through the client).
const startWorker = () => new Worker(new URL('./worker/model-worker.ts', import.meta.url), { type: 'module', name: 'codegram-models' });

mount(App, { target: document.getElementById('app')!, props: { startWorker } });

// The service worker (src/sw/, written into the build as sw.js beside index.html) makes the site work offline after
// one visit. Builds only: the dev server has no sw.js, and its modules change under it. Its scope is the folder the
// site is served from, whatever that folder is (the base is relative). Registered after the page's load event, so
// its downloads (revalidations, mostly, of what the page just fetched) do not compete with the page's own.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  const register = () => void pageUpdate().start(new URL('sw.js', document.baseURI).href, new URL('./', document.baseURI).href);
  if (document.readyState === 'complete') register();
  else addEventListener('load', register, { once: true });
}
