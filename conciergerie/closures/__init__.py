"""One-off closures of a provider (holidays, a day), recorded by the concierge or its staff."""
