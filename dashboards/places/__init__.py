"""The pages of places: a prefecture (its cantons and villages on a map) and a village (chief, location, history)."""
