# a Python function that flattens a list of lists
def flatten(lists):
    result = []
    for inner in lists:
        result.extend(inner)
    return result
