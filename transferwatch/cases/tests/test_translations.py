"""The committed Spanish catalogue: the compiled .mo says what the .po says (CI may lack gettext)."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "locale" / "es" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    text = (FOLDER / "django.po").read_text(encoding="utf-8")
    pairs = re.findall(r'^msgid (".*")\nmsgstr (".*")$', text, flags=re.MULTILINE)
    return {ast.literal_eval(k): ast.literal_eval(v) for k, v in pairs if k != '""'}


def test_it_compiled_every_spanish_string() -> None:
    entries = po_entries()
    assert len(entries) > 70 and all(entries.values())
    with (FOLDER / "django.mo").open("rb") as f:
        catalogue = gettext.GNUTranslations(f)
    stale = {k: v for k, v in entries.items() if catalogue.gettext(k) != v}
    assert stale == {}, (
        "run: .venv/bin/transferwatch compilemessages -l es -i .venv -i node_modules"
    )
