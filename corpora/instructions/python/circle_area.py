# a Python function that calculates the area of a circle
import math


def circle_area(radius):
    return math.pi * radius ** 2
