"""The catalogue: partner providers and their offers."""
