# a Python function that reverses a string
def reverse_string(text):
    return text[::-1]
