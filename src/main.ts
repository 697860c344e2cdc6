import { mount } from 'svelte';
import App from './components/App.svelte';
import './app.css';

// The page's one model worker; Vite bundles it from this `new Worker(new URL(…))` expression. Started here, at
// the top, so the components never import the worker (state talks to it through the client).
const startWorker = () => new Worker(new URL('./worker/model-worker.ts', import.meta.url), { type: 'module', name: 'codegram-models' });

mount(App, { target: document.getElementById('app')!, props: { startWorker } });
