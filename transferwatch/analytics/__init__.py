"""Monitoring statistics over the bookings warehouse.

Pure Python: no Django import (an import-linter contract enforces it). Built by the monitoring issue.
"""
