// a JavaScript function that calculates the sum of the digits of a number
function sumDigits(n) {
  let total = 0;
  n = Math.abs(n);
  while (n > 0) {
    total += n % 10;
    n = Math.floor(n / 10);
  }
  return total;
}
