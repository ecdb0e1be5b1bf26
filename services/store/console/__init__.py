"""The console: HTML pages under /ui of `fm6ss api`, for reading the store (app.py wires them)."""
