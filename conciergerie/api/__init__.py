"""The JSON API under /api/v1, for the volunteers' phone view and future integrations."""
