// a JavaScript function that reverses a string
function reverseString(text) {
  return text.split('').reverse().join('');
}
