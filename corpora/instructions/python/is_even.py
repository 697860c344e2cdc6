# a Python function that checks if a number is even
def is_even(n):
    return n % 2 == 0
