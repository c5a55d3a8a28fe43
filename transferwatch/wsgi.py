"""WSGI entry point for app servers (gunicorn transferwatch.wsgi)."""

import os
import sys

from transferwatch.lib.config import ConfigError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "transferwatch.settings")

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ConfigError as exc:
    sys.stderr.write(f"transferwatch: configuration error: {exc}\n")
    raise SystemExit(2) from None
