"""HTML to tagged PDF (PDF/UA-1) with WeasyPrint, fetching nothing from a network.

Letters, the quarterly packet and the agency profile are laid out from the same HTML that the
pages show. Only `data:` URLs are read, and files under `files_under` when given (a report's own
stylesheet or images): a stray reference in the HTML must never make the server fetch anything.
Fonts are the system's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _fetcher(files_under: Path | None) -> Any:
    from weasyprint.urls import URLFetcher

    root = files_under.resolve() if files_under is not None else None

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if root is not None and url.startswith("file://"):
                path = Path(url.removeprefix("file://").split("?")[0].split("#")[0]).resolve()
                if path.is_relative_to(root) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"not fetched (only data: and the document's own files): {url}")

    return LocalOnly(allowed_protocols=("data", "file") if root is not None else ("data",))


def to_pdf(html: str, files_under: Path | None = None) -> tuple[bytes, int]:
    """The tagged PDF of `html` (titled from its <title>) and its number of pages."""
    from weasyprint import HTML

    base = files_under.resolve().as_uri() + "/" if files_under is not None else None
    document = HTML(string=html, base_url=base, url_fetcher=_fetcher(files_under))
    rendered = document.render(pdf_variant="pdf/ua-1")
    pdf: bytes = rendered.write_pdf(pdf_variant="pdf/ua-1")
    return pdf, len(rendered.pages)
