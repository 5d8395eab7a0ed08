"""Warehouses other than the embedded DuckDB: local servers and raw-export loaders."""
