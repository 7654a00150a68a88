"""Core schema migrations, applied in numeric order by `chapar migrate` (see chapar.schema)."""
