"""The search page: the header's search box posts here.

Search is a POST: a search for a person is an audited reveal, and like the reveal button of a
person's page it is never done by a GET (a prefetch, a link, a reload of history); the query,
which may be an A-number, stays out of URLs, server logs and browser history. GET shows the form.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from transferwatch.accounts.access import permission_or_404
from transferwatch.search import services
from transferwatch.search.query import parse

# Staff with any role but the auditor's: every such role may see agencies.
SEARCH = "agencies.view_agency"


@permission_or_404(SEARCH)
def search(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "search/results.html", {"results": None, "text": ""})
    query = parse(request.POST.get("q", ""))
    results = services.search(request.user, query)
    hit = results.only_exact_hit()
    if hit is not None and hit.url:
        return redirect(hit.url)
    # A query naming a person is not written back into the page: it shows no more than it must.
    text = "" if query.person_kind else query.text
    return render(request, "search/results.html", {"results": results, "text": text})
