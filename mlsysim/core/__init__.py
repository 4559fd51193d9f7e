"""Core: the unit registry, typed quantities, errors and precisions."""
