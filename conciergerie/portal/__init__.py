"""The providers' portal: a provider's staff see their own order lines and mark them ready."""
