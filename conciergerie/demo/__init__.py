"""Demo data: the real partners of the project and plausible district businesses."""
