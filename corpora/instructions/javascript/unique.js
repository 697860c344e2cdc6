// a JavaScript function that removes duplicate values from an array
function unique(values) {
  return [...new Set(values)];
}
