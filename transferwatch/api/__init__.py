"""The REST API (django-ninja, OpenAPI). Built by the priorities issue."""
