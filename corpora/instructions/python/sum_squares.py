# a Python function that calculates the sum of the squares of a list of numbers
def sum_of_squares(numbers):
    return sum(n * n for n in numbers)
