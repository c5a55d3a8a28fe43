"""gunicorn's settings for TransferWatch (`gunicorn -c python:transferwatch.gunicorn_conf`).

Sized for the 2-core hosts TransferWatch runs on: 2 worker processes of 4 threads each serve 8
requests at once; pages are short database reads, while long work (imports, monitoring runs,
packets) goes to the background worker. Override any value with gunicorn's own environment
variable, GUNICORN_CMD_ARGS (e.g. `--workers 4`), or the variables below.

PORT            the port to listen on (default 8000; cloud.gov sets it)
HOST            the address to listen on (default 0.0.0.0, as a platform's router needs;
                `make prod` uses 127.0.0.1)
WEB_CONCURRENCY worker processes (default 2)
WEB_THREADS     threads per worker process (default 4)
"""

from __future__ import annotations

import os

_host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104  # behind the platform's router or a proxy
bind = f"{_host}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# A request that takes longer than this is cut off and its worker restarted (exports stream and
# keep the worker alive); on a deploy, workers get graceful_timeout to finish their requests.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Restart each worker process now and then, so a slow leak cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# One request line per request comes from the app itself (with its request id, `lib/requestid`).
accesslog = None
errorlog = "-"
# The proxy in front terminates TLS and says so in X-Forwarded-Proto (settings.py trusts it).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

_production = os.environ.get("TRANSFERWATCH_MODE", "").strip().lower() == "production"
_log_format = os.environ.get("TRANSFERWATCH_LOG_FORMAT", "").strip().lower()
if _log_format == "json" or (_production and not _log_format):
    # gunicorn's own lines (start, worker boot and exit) in the app's JSON, on stderr.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "transferwatch.lib.jsonlog.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json"},
            "error_console": {"class": "logging.StreamHandler", "formatter": "json"},
        },
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            # A dictConfig turns gunicorn's access log on; the app writes its own request line.
            "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
        },
    }
