"""Ordering: the basket, checkout, the order's life and the customer's orders."""
