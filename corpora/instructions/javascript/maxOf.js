// a JavaScript function that returns the largest number in an array
function largest(values) {
  let best = values[0];
  for (let i = 1; i < values.length; i++) {
    if (values[i] > best) best = values[i];
  }
  return best;
}
