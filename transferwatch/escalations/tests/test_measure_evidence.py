"""Remedial-measure evidence as files, kept like an inquiry's attachments (issue 14, part 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import client_for
from transferwatch.escalations.models import MeasureEvidence

PDF = b"%PDF-1.4\n% training roster\n"


@pytest.fixture(autouse=True)
def attachments_dir(settings: Any, tmp_path: Path) -> Path:
    settings.ATTACHMENTS_DIR = tmp_path / "attachments"
    return settings.ATTACHMENTS_DIR


def upload(user: Any, m: Any, name: str = "roster.pdf", content: bytes = PDF) -> Any:
    url = reverse("measure_evidence_add", args=[m.pk])
    return client_for(user).post(url, {"file": SimpleUploadedFile(name, content)})


def test_a_file_is_checked_stored_outside_the_web_root_and_verifies_the_measure(
    make_measure: Any, investigator: Any, attachments_dir: Path
) -> None:
    m = make_measure(status="in_progress")
    assert upload(investigator, m).status_code == 302
    evidence = MeasureEvidence.objects.get(measure=m)
    stored = attachments_dir / evidence.stored_name
    assert stored.read_bytes() == PDF and "roster" not in evidence.stored_name
    assert evidence.content_type == "application/pdf"
    assert Event.objects.filter(action="escalations.measure_evidence.added").count() == 1
    # With a file on the measure, verifying needs no text.
    client_for(investigator).post(reverse("measure_act", args=[m.pk, "verify"]), {"evidence": ""})
    m.refresh_from_db()
    assert m.status == "verified"
    page = client_for(investigator).get(reverse("measure_detail", args=[m.pk])).content.decode()
    assert "roster.pdf" in page and "Evidence file added" in page


def test_a_file_of_another_type_is_refused(make_measure: Any, investigator: Any) -> None:
    m = make_measure(status="in_progress")
    response = upload(investigator, m, "roster.pdf", b"MZ\x90\x00\x03\x00\x00\x00")
    assert response.status_code == 403 and not MeasureEvidence.objects.exists()


def test_only_roles_that_work_on_measures_add_files(
    make_measure: Any, analyst: Any, leadership: Any, investigator: Any
) -> None:
    m = make_measure(status="in_progress")
    assert upload(analyst, m).status_code == 403  # sees measures, may not change them
    assert upload(leadership, m).status_code == 404
    closed = make_measure(status="closed")
    assert upload(investigator, closed).status_code == 403
    assert not MeasureEvidence.objects.exists()


def test_downloads_are_audited_and_scoped(
    make_measure: Any, investigator: Any, analyst: Any, leadership: Any
) -> None:
    m = make_measure(status="in_progress")
    upload(investigator, m)
    url = reverse("measure_evidence_download", args=[MeasureEvidence.objects.get().pk])
    response = client_for(analyst).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert Event.objects.filter(action="escalations.measure_evidence.opened").count() == 1
    assert client_for(leadership).get(url).status_code == 404
    assert Event.objects.filter(action="escalations.measure_evidence.opened").count() == 1
