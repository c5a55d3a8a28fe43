"""The public report form: English and Spanish, attachments, abuse resistance, record and secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.cases import public
from transferwatch.cases.models import Allegation, Attachment
from transferwatch.cases.tests.conftest import PDF, PNG, report_data, started
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME


def test_it_shows_the_form_in_english(db: Any) -> None:
    response = Client().get(reverse("report"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in page
    assert "Tell us what happened" in page
    assert 'href="/report/?lang=es"' in page and 'lang="es"' in page  # the switch, marked Spanish
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<label class="usa-label" for="id_narrative">' in page


def test_it_shows_the_form_in_spanish(db: Any) -> None:
    page = Client().get(reverse("report"), {"lang": "es"}).content.decode()
    assert '<html lang="es">' in page
    assert "Cuéntenos qué pasó" in page
    assert "Enviar denuncia" in page
    assert "por el origen étnico" in page  # the allegation types too
    assert "Tell us what happened" not in page


def test_it_follows_the_browsers_language(db: Any) -> None:
    page = Client().get(reverse("report"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").content.decode()
    assert '<html lang="es">' in page


def test_it_records_a_report_and_shows_number_and_secret_once(db: Any, phi_agency: Any) -> None:
    client = Client()
    response = client.post(reverse("report"), report_data())
    assert response.status_code == 302
    allegation = Allegation.objects.get()
    assert (allegation.source, allegation.channel, allegation.status) == (
        "public",
        "web",
        "received",
    )
    assert allegation.agency == phi_agency  # name and state matched one agency
    person = allegation.people.get()
    assert (person.name, person.a_number) == (CANARY_NAME, CANARY_A_NUMBER)
    page = client.get(response["Location"]).content.decode()
    assert allegation.number in page
    secret = page.split('<dt>Secret code</dt><dd><strong class="tw-key">')[1].split("<")[0]
    assert allegation.check_secret(secret)
    assert secret not in allegation.secret_hash
    # Shown once: the page sends you back to the form the second time.
    assert client.get(response["Location"]).status_code == 302
    # The audit event carries no personal data.
    event = Event.objects.get(action="cases.allegation.created")
    assert CANARY_NAME not in str(event.changes) and CANARY_A_NUMBER not in str(event.changes)
    assert [s.actor_name for s in allegation_history(allegation)] == ["public"]


def allegation_history(allegation: Allegation) -> Any:
    from transferwatch.cases.models import history

    return history(allegation)


def test_it_shows_errors_in_spanish_with_a_linked_summary(db: Any) -> None:
    response = Client().post(reverse("report"), report_data(lang="es", narrative="", types=[]))
    page = response.content.decode()
    assert Allegation.objects.count() == 0
    assert "Por favor corrija estas respuestas" in page
    assert 'href="#id_narrative"' in page and 'href="#id_types_0"' in page
    assert "Marque al menos un tipo de problema." in page
    assert "Este campo es obligatorio." in page
    assert 'value="Montgomery County Sheriff"' in page  # the rest kept


def test_it_stores_good_attachments_outside_the_web_root(db: Any) -> None:
    files = [
        SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("photo.bin", PNG, content_type="application/octet-stream"),
        SimpleUploadedFile("notes.txt", b"Hora: 3 p.m., calle Main", "text/plain"),
    ]
    response = Client().post(reverse("report"), {**report_data(), "attachments": files})
    assert response.status_code == 302
    stored = list(Attachment.objects.order_by("pk"))
    assert [a.content_type for a in stored] == ["application/pdf", "image/png", "text/plain"]
    folder = Path(settings.ATTACHMENTS_DIR)
    for a in stored:
        path = folder / a.stored_name
        assert path.read_bytes()[:4] in (PDF[:4], PNG[:4], b"Hora")
        assert a.original_name not in a.stored_name
        for web_root in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
            assert not path.resolve().is_relative_to(Path(web_root).resolve())


def test_it_refuses_a_file_of_another_type_naming_it_and_keeping_the_form(db: Any) -> None:
    exe = SimpleUploadedFile("statement.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "application/pdf")
    good = SimpleUploadedFile("photo.png", PNG, "image/png")
    response = Client().post(reverse("report"), {**report_data(), "attachments": [good, exe]})
    page = response.content.decode()
    assert response.status_code == 200
    assert Allegation.objects.count() == 0 and Attachment.objects.count() == 0
    assert "“statement.pdf” was not accepted" in page
    assert "photo.png" not in page.split("Please correct")[1].split("</ul>")[0]
    assert "They stopped my brother" in page and 'value="Route 1"' in page
    assert "choose your files again" in page
    assert not Path(settings.ATTACHMENTS_DIR).exists() or not any(
        Path(settings.ATTACHMENTS_DIR).iterdir()
    )


def test_it_refuses_a_file_too_big(db: Any, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * 2000, "application/pdf")
    page = Client().post(reverse("report"), {**report_data(lang="es"), "attachments": [big]})
    text = page.content.decode()
    assert "«scan.pdf» pesa más de 0 MB" in text or "«scan.pdf» pesa más de" in text
    assert Allegation.objects.count() == 0


def test_it_refuses_more_than_five_files(db: Any) -> None:
    files = [SimpleUploadedFile(f"{n}.txt", b"hello", "text/plain") for n in range(6)]
    page = Client().post(reverse("report"), {**report_data(), "attachments": files})
    assert "Send at most 5 files." in page.content.decode()
    assert Allegation.objects.count() == 0


def test_it_refuses_a_request_too_large_before_reading_it(db: Any, settings: Any) -> None:
    settings.REPORT_MAX_REQUEST_BYTES = 100
    response = Client().post(reverse("report"), report_data())
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert Allegation.objects.count() == 0


def test_it_needs_the_csrf_token(db: Any) -> None:
    response = Client(enforce_csrf_checks=True).post(reverse("report"), report_data())
    assert response.status_code == 403
    assert Allegation.objects.count() == 0


def test_it_drops_a_filled_honeypot_silently(db: Any) -> None:
    response = Client().post(reverse("report"), report_data(website="http://spam.example"))
    assert response.status_code == 200
    assert "Thank you. Your report was received." in response.content.decode()
    assert Allegation.objects.count() == 0


def test_it_asks_a_too_fast_sender_to_send_again_keeping_the_answers(db: Any) -> None:
    client = Client()
    response = client.post(reverse("report"), report_data(started=started(seconds_ago=1)))
    page = response.content.decode()
    assert Allegation.objects.count() == 0
    assert "Please send the form again" in page
    assert "They stopped my brother" in page
    fresh = page.split('name="started" value="')[1].split('"')[0]
    assert fresh and fresh != report_data()["started"]
    # A forged or missing start time gets the same gentle answer.
    page = client.post(reverse("report"), report_data(started="forged")).content.decode()
    assert "Please send the form again" in page and Allegation.objects.count() == 0
    # A person who sends again a bit later gets through.
    assert client.post(reverse("report"), report_data()).status_code == 302


def test_it_limits_posts_per_client_without_keeping_the_address(db: Any) -> None:
    allowed, _ = public.REPORT_LIMIT
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _n in range(allowed):
        client.post(reverse("report"), report_data(narrative=""))
    response = client.post(reverse("report"), report_data())
    assert response.status_code == 429
    assert "Nothing you already sent is lost" in response.content.decode()
    assert Allegation.objects.count() == 0
    keys = list(cache._cache.keys())  # type: ignore[attr-defined]
    assert keys and not any("203.0.113.7" in k for k in keys)
    # Another client is not affected.
    other = Client(REMOTE_ADDR="203.0.113.8").post(reverse("report"), report_data())
    assert other.status_code == 302
