# a Python function that splits a list into chunks of a given size
def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]
