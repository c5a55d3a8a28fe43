"""Synthetic demo data and one demo user per role, for `make demo`."""
