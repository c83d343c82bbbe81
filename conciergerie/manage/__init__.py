"""The concierge manages the catalogue and the member companies, every change logged."""
