"""The desk: the concierge's (and volunteers') view of the orders moving through it."""
