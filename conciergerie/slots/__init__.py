"""Desk slots: opening hours, closure days, and the slots customers book."""
