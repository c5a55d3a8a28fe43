"""Start Django for a benchmark: a fresh SQLite folder unless DATABASE_URL says otherwise."""

import os
import tempfile


def start() -> None:
    os.environ.setdefault("TRANSFERWATCH_DATA_DIR", tempfile.mkdtemp(prefix="tw-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "transferwatch.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
