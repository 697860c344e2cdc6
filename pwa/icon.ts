/**
 * The site's icon, drawn once as shapes and written two ways: as SVG (any size) and rasterised to the PNG sizes
 * Chromium's installability check asks for (192 and 512). The picture is the next-token panel in small: three
 * bars of rising probability on the accent colour, the middle one the base model's amber.
 */
import { encodePng } from './png.ts';

/** A rounded rectangle on a 512-unit square, filled with a #rrggbb colour. */
export interface Shape {
  x: number;
  y: number;
  width: number;
  height: number;
  radius: number;
  fill: string;
}

export const ICON_SIZE = 512;

export const ICON: readonly Shape[] = [
  { x: 0, y: 0, width: 512, height: 512, radius: 112, fill: '#2458c9' }, // --accent (light scheme)
  { x: 112, y: 296, width: 72, height: 112, radius: 20, fill: '#ffffff' },
  { x: 220, y: 208, width: 72, height: 200, radius: 20, fill: '#e3b341' }, // --base (dark scheme): the base model's colour
  { x: 328, y: 104, width: 72, height: 304, radius: 20, fill: '#ffffff' },
];

export function iconSvg(shapes: readonly Shape[] = ICON): string {
  const rects = shapes.map((s) => `<rect x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" rx="${s.radius}" fill="${s.fill}"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${ICON_SIZE} ${ICON_SIZE}">${rects.join('')}</svg>\n`;
}

function inside(s: Shape, x: number, y: number): boolean {
  if (x < s.x || y < s.y || x >= s.x + s.width || y >= s.y + s.height) return false;
  // Distance from the nearest corner's centre, where the point is in a corner square.
  const cx = Math.min(Math.max(x, s.x + s.radius), s.x + s.width - s.radius);
  const cy = Math.min(Math.max(y, s.y + s.radius), s.y + s.height - s.radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= s.radius ** 2;
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/**
 * The shapes painted in order onto a transparent `size`×`size` RGBA image, each pixel the mean of 4×4 samples
 * (edges antialiased; colours blended in straight sRGB, as SVG renderers do by default).
 */
export function rasterise(size: number, shapes: readonly Shape[] = ICON): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  const scale = ICON_SIZE / size;
  const colours = shapes.map((s) => rgb(s.fill));
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) * scale;
          const y = (py + (sy + 0.5) / n) * scale;
          for (let i = shapes.length - 1; i >= 0; i--) {
            if (inside(shapes[i], x, y)) {
              r += colours[i][0];
              g += colours[i][1];
              b += colours[i][2];
              a += 1;
              break;
            }
          }
        }
      }
      const o = 4 * (py * size + px);
      if (a > 0) {
        out[o] = Math.round(r / a);
        out[o + 1] = Math.round(g / a);
        out[o + 2] = Math.round(b / a);
        out[o + 3] = Math.round((255 * a) / (n * n));
      }
    }
  }
  return out;
}

export function iconPng(size: number): Uint8Array {
  return encodePng(size, size, rasterise(size));
}
