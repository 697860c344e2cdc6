# a Python function that calculates the average of a list of numbers
def average(numbers):
    if not numbers:
        return 0
    return sum(numbers) / len(numbers)
