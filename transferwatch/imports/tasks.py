"""Imports started from the web run as background tasks (`transferwatch db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from transferwatch.imports.models import Import
from transferwatch.imports.services import ImportInputError, classify_imported


@task()
def run_import(import_id: int) -> str:
    """Run the import recorded as `import_id` on the file uploaded with it."""
    from transferwatch.imports.mapping import load_profile
    from transferwatch.imports.warehouse import import_agencies, import_bookings

    imp = Import.objects.get(pk=import_id)
    upload = next(imp.folder.glob("upload.*"))
    try:
        if imp.kind == "detainers":
            from transferwatch.imports.detainers import import_detainers

            imp = import_detainers(upload, imp.file_format, imp=imp, skip_invalid=imp.skip_invalid)
            classify_imported(imp)
        elif imp.kind == "agencies":
            imp = import_agencies(upload, imp=imp, skip_invalid=imp.skip_invalid)
        else:
            profile = imp.details.get("profile")
            imp = import_bookings(
                upload,
                imp=imp,
                skip_invalid=imp.skip_invalid,
                mapping=load_profile(profile) if profile else None,
                ori=imp.details.get("ori") or "",
            )
    except ImportInputError:
        imp.refresh_from_db()  # already finished as failed, with the reason as its message
    return imp.status
