// a TypeScript function that checks if a number is even
function isEven(n: number): boolean {
  return n % 2 === 0;
}
