"""Content-Security-Policy on every response (Django 5.2 has none built in).

Pages take scripts, styles, fonts and images from this site only: no inline script or style, no
eval, no plugin, no framing. Our templates keep to that (USWDS, htmx and page scripts are static
files; charts are inline SVG without style attributes; htmx is told not to add its own style
element, see base.html), and `lib/tests/test_csp.py` checks the templates stay that way.

Three other kinds of response get a policy of their own:

- A printable document (a letter, the quarterly packet, an agency profile, a meeting's printable
  version) is complete HTML with its stylesheet inline, because the same HTML becomes a PDF that
  fetches nothing, and a sent letter is kept as it was. It has no script, so it is served with
  nothing allowed but its inline styles and our fonts and images (`document` marks the view).
- A PDF: the browser's viewer draws it in a page of its own with inline styles and a plugin, so
  default-src, style-src and object-src would leave it blank; it gets what cannot hurt it.
- Anything else (JSON, CSV): nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"

PAGE = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # data: for the icons of the API docs' stylesheet
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DOCUMENT = {
    "default-src": "'none'",
    "style-src": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'none'",
    "frame-ancestors": "'none'",
}
PDF = {"base-uri": "'none'", "form-action": "'none'", "frame-ancestors": "'self'"}
DATA = {"default-src": "'none'", "frame-ancestors": "'none'"}


def header(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def _content_type(response: HttpResponse) -> str:
    return str(response.get("Content-Type", "")).split(";")[0].strip().lower()


def policy_for(response: HttpResponse) -> dict[str, str]:
    content_type = _content_type(response)
    if content_type == "text/html":
        return PAGE
    if content_type == "application/pdf":
        return PDF
    return DATA


View = Callable[..., HttpResponse]


def document(view: View) -> View:
    """Serve the view's own HTML as a printable document (see above); its 404s and redirects
    stay ordinary pages. Put it below the access decorators."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and _content_type(response) == "text/html":
            response[HEADER] = header(DOCUMENT)
        return response

    return wrapped


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that has none yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = header(policy_for(response))
        return response
