# a Python function that calculates the square root of a number with Newton's method
def square_root(x, tolerance=1e-10):
    if x < 0:
        raise ValueError("x must not be negative")
    guess = x if x > 1 else 1.0
    while abs(guess * guess - x) > tolerance:
        guess = (guess + x / guess) / 2
    return guess
