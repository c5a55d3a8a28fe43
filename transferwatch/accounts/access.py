"""Access checks for views: anything a user may not see is a 404, never a 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def permission_or_404(*perms: str) -> Callable[[View], View]:
    """Login required; then every named permission, or the page does not exist for this user."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perms(perms):
                raise Http404
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
