"""Roles (DOMAIN.md section 5), ICE areas of responsibility, login and access scoping."""
