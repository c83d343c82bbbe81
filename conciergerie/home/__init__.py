"""The public front: home page, language switch and the health check."""
