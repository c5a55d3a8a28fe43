"""`indented_json.dumps` writes the text of ``json.dumps(value, indent=2)``, byte for byte."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from transferwatch.lib import indented_json

GOLDEN = Path(__file__).resolve().parents[2] / "analytics" / "tests" / "golden"

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included: the json module's fallback
    | st.sampled_from([0.0, -0.0, 1e-5, 1e16, 5e-324, 1e308, 0.1, 123456789.0])
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_any_json_value(value: Any) -> None:
    assert indented_json.dumps(value) == json.dumps(value, indent=2)


def test_the_golden_monitoring_documents() -> None:
    for path in sorted(GOLDEN.glob("*.json")):
        document = json.loads(path.read_text())
        assert indented_json.dumps(document) == json.dumps(document, indent=2), path.name


def test_non_finite_numbers_and_non_ascii_text() -> None:
    value = {"é\x7f\x00": [math.nan, math.inf, -math.inf], "k": {"": [], "x": {}}, "1": 1e-7}
    assert indented_json.dumps(value) == json.dumps(value, indent=2)
