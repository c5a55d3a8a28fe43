"""Backups: the database through its own tools, the Parquet warehouse and the stored files,
with a manifest of checksums (`transferwatch backup create|verify|restore`, docs/backups.md)."""
