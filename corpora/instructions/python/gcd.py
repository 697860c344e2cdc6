# a Python function that calculates the greatest common divisor of two numbers
def gcd(a, b):
    while b:
        a, b = b, a % b
    return a
