// a TypeScript function that clamps a number between a minimum and a maximum
function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
