"""One module per resource; each exposes `router` (reads) and/or `operators` (token required)."""
