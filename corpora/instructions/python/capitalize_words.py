# a Python function that capitalizes the first letter of every word
def capitalize_words(text):
    return " ".join(word[:1].upper() + word[1:] for word in text.split())
