"""Pickup rounds of the civic-service volunteers between the desk and the providers."""
