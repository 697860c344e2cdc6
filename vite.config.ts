/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  // Relative base: the build works from any folder of any static host.
  base: './',
  worker: { format: 'es' },
  build: {
    // Monaco is most of the page (about 3.4 MB minified, 0.9 MB gzipped) and cannot be made smaller by splitting.
    chunkSizeWarningLimit: 4096,
  },
  optimizeDeps: { include: ['idb-keyval', 'fflate'] },
  test: {
    include: ['test/**/*.test.ts'],
    // The KenLM-parity and corpus tests train real models on the Brown corpus: give them room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    expect: { requireAssertions: true },
  },
});
