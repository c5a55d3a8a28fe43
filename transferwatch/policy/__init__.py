"""Enforcement priorities as versioned policy data and rule functions.

Pure Python: no Django import (an import-linter contract enforces it). Built by the priorities issue.
"""
