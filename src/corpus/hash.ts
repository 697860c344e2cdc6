/**
 * A small, synchronous, dependency-free 64-bit hash (FNV-1a, http://www.isthe.com/chongo/tech/comp/fnv/) for
 * naming content: it works in workers and in plain-http pages, where SubtleCrypto is missing. Not a defence
 * against crafted collisions: it only names the user's own data and build settings.
 */
/**
 * FNV-1a with 64-bit state kept as two 32-bit halves. Prime 2⁴⁰ + 0x1b3: h·p = h·0x1b3 + (h << 40), and
 * (h << 40) only touches the high half (lo << 8). Every intermediate stays below 2⁵³, so doubles are exact.
 */
export class Fnv64 {
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;
  unit(u: number): void {
    const lo = (this.lo ^ u) >>> 0;
    const t = lo * 0x1b3;
    this.lo = t >>> 0;
    this.hi = (this.hi * 0x1b3 + Math.floor(t / 0x100000000) + (lo << 8)) >>> 0;
  }
  string(s: string): void {
    this.unit(s.length & 0xffff);
    this.unit(s.length >>> 16);
    for (let i = 0; i < s.length; i++) this.unit(s.charCodeAt(i));
  }
  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}


/** The FNV-1a 64 hash of strings (each length-prefixed), as 16 hex digits. */
export function fnv64Hex(...parts: string[]): string {
  const h = new Fnv64();
  for (const p of parts) h.string(p);
  return h.hex();
}
