"""Package data: prices.json (model prices)."""
