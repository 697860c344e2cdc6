// a JavaScript function that returns the sum of an array of numbers
function sum(numbers) {
  let total = 0;
  for (const n of numbers) {
    total += n;
  }
  return total;
}
