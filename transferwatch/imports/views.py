from __future__ import annotations

import shutil
from pathlib import Path

from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from transferwatch.accounts.access import permission_or_404
from transferwatch.audit.services import record
from transferwatch.imports import services
from transferwatch.imports.forms import UploadForm
from transferwatch.imports.models import Import
from transferwatch.imports.tasks import run_import
from transferwatch.lib.counting import CountingPaginator


def get_import_for_user(request: HttpRequest, pk: int) -> Import:
    return get_object_or_404(Import.objects.visible_to(request.user), pk=pk)


@permission_or_404("imports.view_import")
def import_list(request: HttpRequest) -> HttpResponse:
    can_upload = request.user.has_perm("imports.add_import")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_upload:
            raise Http404
        if form.is_valid():
            imp = _receive(request, form)
            return redirect("import_detail", pk=imp.pk)
    imports = Import.objects.visible_to(request.user).select_related("created_by")
    page = CountingPaginator(imports, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_upload": can_upload}
    return render(request, "imports/list.html", context)


def _receive(request: HttpRequest, form: UploadForm) -> Import:
    """Keep the uploaded file with a new import record and queue the import."""
    upload = form.cleaned_data["file"]
    kind, _, file_format = form.cleaned_data["kind"].partition(":")
    suffix = Path(upload.name).suffix.lower()[:10] or ".dat"
    incoming = Path(services.incoming_folder()) / f"{services.new_token()}{suffix}"
    with incoming.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    imp = services.start(
        kind,
        incoming,
        user=request.user,
        file_format=file_format,
        skip_invalid=form.cleaned_data["skip_invalid"],
        file_name=Path(upload.name).name[:255],
    )
    if form.cleaned_data.get("profile"):
        imp.details = {"profile": form.cleaned_data["profile"], "ori": form.cleaned_data["ori"]}
        imp.save(update_fields=["details"])
    imp.folder.mkdir(parents=True, exist_ok=True)
    shutil.move(incoming, imp.folder / f"upload{suffix}")
    with transaction.atomic():
        record("imports.import.queued", imp, actor=request.user, changes={"kind": kind})
        transaction.on_commit(lambda: run_import.enqueue(imp.pk))
    return imp


@permission_or_404("imports.view_import")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imp = get_import_for_user(request, pk)
    imp.live_progress()
    template = "imports/_status.html" if request.htmx else "imports/detail.html"
    return render(request, template, {"imp": imp})


@permission_or_404("imports.view_import")
def import_rejects(request: HttpRequest, pk: int) -> FileResponse:
    imp = get_import_for_user(request, pk)
    if not imp.rejects_path.exists():
        raise Http404
    record("imports.rejects.downloaded", imp, actor=request.user)
    return FileResponse(
        imp.rejects_path.open("rb"),
        as_attachment=True,
        filename=f"import-{imp.pk}-rejects.csv",
        content_type="text/csv",
    )
