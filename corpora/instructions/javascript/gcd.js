// a JavaScript function that calculates the greatest common divisor of two numbers
function gcd(a, b) {
  while (b !== 0) {
    [a, b] = [b, a % b];
  }
  return a;
}
