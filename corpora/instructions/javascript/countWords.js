// a JavaScript function that counts the words in a string
function countWords(text) {
  return text.split(/\s+/).filter((word) => word !== '').length;
}
