"""API routes of this app, mounted on the project API in transferwatch/api/views.py."""

from ninja import Router

router = Router()
