"""The imports page: upload as a background task, progress, history and rejects download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from transferwatch.agencies.models import Agency
from transferwatch.audit.models import Event
from transferwatch.conftest import client_for
from transferwatch.imports.models import Import
from transferwatch.imports.tests.conftest import BOOKING_HEADER, GOOD_ROW

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AGENCIES = b"ori,name,state\nTX0571800,Irving Police,TX\n"


def upload(client: Any, kind: str, content: bytes, name: str = "file.csv", **extra: Any) -> Any:
    data = {"kind": kind, "file": SimpleUploadedFile(name, content, "text/csv"), **extra}
    return client.post(reverse("import_list"), data)


@override_settings(TASKS=IMMEDIATE)
def test_it_imports_an_uploaded_file_in_the_background(
    data_dir: Path, analyst: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "agencies", AGENCIES, "agencies.csv")
    imp = Import.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "import_detail", args=[imp.pk]
    )
    imp.refresh_from_db()
    assert imp.status == "done" and imp.created_by == analyst and imp.file_name == "agencies.csv"
    assert Agency.objects.filter(ori="TX0571800").exists()
    assert {"imports.import.queued", "imports.import.done"} <= set(
        Event.objects.values_list("action", flat=True)
    )
    page = client.get(reverse("import_detail", args=[imp.pk])).content.decode()
    assert "1 agency added" in page and "every 1s" not in page


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_it_shows_progress_while_the_import_waits_or_runs(data_dir: Path, analyst: Any) -> None:
    client = client_for(analyst)
    upload(client, "agencies", AGENCIES)
    imp = Import.objects.get()
    html = client.get(
        reverse("import_detail", args=[imp.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'hx-trigger="every 1s"' in html and "Waiting for the worker" in html
    Import.objects.filter(pk=imp.pk).update(status="running", rows_total=200, rows_done=50)
    html = client.get(
        reverse("import_detail", args=[imp.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'value="25"' in html and "50 of 200 rows" in html


@override_settings(TASKS=IMMEDIATE)
def test_it_offers_the_rejects_report(
    data_dir: Path, analyst: Any, phi_agency: Any, django_capture_on_commit_callbacks: Any
) -> None:
    bad = "\n".join([BOOKING_HEADER, GOOD_ROW.format(n=1, m=1).replace(",M,", ",?,")]).encode()
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "bookings", bad)
    imp = Import.objects.get()
    imp.refresh_from_db()
    assert imp.status == "rejected"
    page = client.get(reverse("import_detail", args=[imp.pk])).content.decode()
    assert "column sex: not one of M, F, X, U" in page
    response = client.get(reverse("import_rejects", args=[imp.pk]))
    assert response.status_code == 200
    assert b'2,sex,?,"not one of M, F, X, U"' in b"".join(response.streaming_content)
    assert Event.objects.filter(action="imports.rejects.downloaded").count() == 1


def test_it_refuses_an_empty_file_at_the_form(data_dir: Path, analyst: Any) -> None:
    response = upload(client_for(analyst), "agencies", b"")
    assert "The submitted file is empty." in response.content.decode()
    assert not Import.objects.exists()


@pytest.mark.parametrize("role", ["investigator", "field_phi", "leadership", "auditor"])
def test_other_roles_do_not_see_imports(
    request: pytest.FixtureRequest, data_dir: Path, role: str
) -> None:
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("import_list")).status_code == 404
    assert upload(client, "agencies", AGENCIES).status_code == 404
    assert not Import.objects.exists()
