# a Python function that reverses the digits of a number
def reverse_digits(n):
    result = 0
    while n > 0:
        result = result * 10 + n % 10
        n //= 10
    return result
