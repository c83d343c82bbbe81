"""Basket stock per delivery and the producer's list of what was ordered for each delivery day."""
