"""FM6SS partnership watch services."""
