# a Python function that calculates the triangular number of a number
def triangular(n):
    total = 0
    for i in range(1, n + 1):
        total += i
    return total
