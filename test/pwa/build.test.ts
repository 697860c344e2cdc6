/**
 * The build side of offline use (pwa/): what is precached, its hashes and version, the web app manifest's
 * colours, and the icon's PNG encoding (checked by decoding it back: chunk CRCs, header, pixels).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { unzlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { checkManifest } from '../../src/corpus/manifest.ts';
import { ICON, iconSvg, rasterise } from '../../pwa/icon.ts';
import { backgroundColours, webAppManifest } from '../../pwa/plugin.ts';
import { crc32, encodePng } from '../../pwa/png.ts';
import { bootScripts, bundleFiles, corporaFiles, entryOf, precacheOf } from '../../pwa/precache-list.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('the precache list', () => {
  it('takes every bundle file but source maps and the service worker', () => {
    expect(bundleFiles(['index.html', 'assets/index-Ab.js', 'assets/index-Ab.js.map', 'assets/model-worker-Cd.js', 'assets/codicon-Ef.ttf', 'sw.js'])).toEqual([
      'index.html',
      'assets/index-Ab.js',
      'assets/model-worker-Cd.js',
      'assets/codicon-Ef.ttf',
    ]);
  });

  it('takes the corpora manifest, every bundle it lists and their licence files, once each', () => {
    const manifest = checkManifest(JSON.parse(readFileSync('public/corpora/manifest.json', 'utf8')), 'manifest.json');
    const files = corporaFiles(manifest);
    expect(files[0]).toBe('corpora/manifest.json');
    for (const c of manifest.corpora) expect(files).toContain(`corpora/${c.file}`);
    expect(files).toContain('corpora/english.jsonl.gz');
    expect(files.some((f) => f.startsWith('corpora/licenses/'))).toBe(true);
    expect(new Set(files).size).toBe(files.length);
  });

  it('gives each file its SHA-256', () => {
    expect(entryOf('a.txt', bytes('abc'))).toEqual({ path: 'a.txt', sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 });
  });

  it('is sorted and versioned by its content: one changed byte, a new version; the same files, the same version', () => {
    const files: Record<string, string> = { 'index.html': '<html>', 'assets/a.js': 'a()', 'corpora/manifest.json': '{}' };
    const a = precacheOf(Object.keys(files), (p) => bytes(files[p]));
    expect(a.entries.map((e) => e.path)).toEqual(['assets/a.js', 'corpora/manifest.json', 'index.html']);
    expect(a.version).toMatch(/^[0-9a-f]{12}$/);
    expect(precacheOf(Object.keys(files).reverse(), (p) => bytes(files[p])).version).toBe(a.version);
    const b = precacheOf(Object.keys(files), (p) => bytes(p === 'index.html' ? '<html> ' : files[p]));
    expect(b.version).not.toBe(a.version);
  });
});

describe('the page\'s opening scripts', () => {
  it('are its module scripts and module preloads, in its order, as paths in the site\'s folder', () => {
    const html = `<!doctype html><html><head>
      <script type="module" crossorigin src="./assets/index-Ab.js"></script>
      <link rel="stylesheet" crossorigin href="./assets/index-Cd.css">
      <link rel="manifest" href="manifest.webmanifest">
      <link rel="icon" href="icons/icon.svg" type="image/svg+xml">
      <link crossorigin href="/assets/App-Ef.js" rel="modulepreload">
      <script src="https://cdn.example/x.js"></script>
      <link rel="modulepreload" href="//cdn.example/y.js">
      </head><body><div id="app"></div><script>inline()</script></body></html>`;
    expect(bootScripts(html)).toEqual(['assets/index-Ab.js', 'assets/App-Ef.js']);
    expect(bootScripts('<html><body>no scripts</body></html>')).toEqual([]);
  });

  it('go into the precache when it lists them, and the version does not depend on them', () => {
    const files: Record<string, string> = { 'index.html': '<html>', 'assets/a.js': 'a()' };
    const a = precacheOf(Object.keys(files), (p) => bytes(files[p]), ['assets/a.js', 'assets/gone.js']);
    expect(a.boot).toEqual(['assets/a.js']);
    expect(precacheOf(Object.keys(files), (p) => bytes(files[p])).version).toBe(a.version);
  });
});

describe('the web app manifest', () => {
  it('takes its colours from src/app.css', () => {
    const colours = backgroundColours(readFileSync('src/app.css', 'utf8'));
    expect(colours).toEqual({ light: '#fbfbfa', dark: '#16181b' });
    expect(() => backgroundColours(':root { --bg: #ffffff; }')).toThrow(/found 1/);
  });

  it('installs from the folder the site is in, standalone, with SVG, 192 and 512 icons', () => {
    const m = webAppManifest({ name: 'Codegram — x', shortName: 'Codegram', description: 'd' }, { light: '#fbfbfa' }) as Record<string, unknown>;
    expect(m).toMatchObject({ start_url: './', scope: './', display: 'standalone', theme_color: '#fbfbfa', background_color: '#fbfbfa', short_name: 'Codegram' });
    expect((m.icons as { sizes: string }[]).map((i) => i.sizes)).toEqual(['any', '192x192', '512x512']);
  });
});

describe('the icon', () => {
  it('computes CRC-32 as PNG does', () => {
    expect(crc32(bytes('IEND'))).toBe(0xae426082);
    expect(crc32(bytes('123456789'))).toBe(0xcbf43926);
  });

  it('encodes a PNG that decodes back to its pixels', () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 1, 2, 3, 4]); // 2×2
    const png = encodePng(2, 2, rgba);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    const chunks: { type: string; data: Uint8Array }[] = [];
    for (let at = 8; at < png.length; ) {
      const length = view.getUint32(at);
      const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
      const data = png.subarray(at + 8, at + 8 + length);
      expect(view.getUint32(at + 8 + length), `${type} CRC`).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
      chunks.push({ type, data });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([...chunks[0].data]).toEqual([0, 0, 0, 2, 0, 0, 0, 2, 8, 6, 0, 0, 0]);
    // Each row: filter byte 0, then the row's pixels as they were.
    expect([...unzlibSync(chunks[1].data)]).toEqual([0, ...rgba.subarray(0, 8), 0, ...rgba.subarray(8)]);
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(/expected 16/);
  });

  it('rasterises the same shapes as the SVG: accent in the middle of the background, bars where they are drawn, clear corners', () => {
    const size = 64;
    const px = rasterise(size);
    const at = (x: number, y: number) => [...px.subarray(4 * (y * size + x), 4 * (y * size + x) + 4)];
    expect(at(0, 0)[3]).toBe(0); // outside the rounded corner
    expect(at(32, 8)).toEqual([0x24, 0x58, 0xc9, 255]); // accent background above the middle bar
    expect(at(32, 45)).toEqual([0xe3, 0xb3, 0x41, 255]); // the middle (amber) bar
    expect(at(46, 45)).toEqual([255, 255, 255, 255]); // the tall white bar
    for (const s of ICON) expect(iconSvg()).toContain(`<rect x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" rx="${s.radius}" fill="${s.fill}"/>`);
    expect(createHash('sha256').update(px).digest('hex')).toBe(createHash('sha256').update(rasterise(size)).digest('hex')); // deterministic
  });
});
