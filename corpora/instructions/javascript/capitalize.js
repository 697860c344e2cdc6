// a JavaScript function that capitalizes the first letter of a string
function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
