"""`transferwatch transfers summary`: transfer requests counted per quarter and one more key."""

from __future__ import annotations

import json
import re
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from transferwatch.agencies.models import Agency, Facility
from transferwatch.transfers.models import TransferRequest


@pytest.fixture
def requests(phi_agency: Agency) -> list[TransferRequest]:
    jail = phi_agency.facilities.get()
    pen = Facility.objects.create(name="LEWISBURG U.S. PEN.", state="PA", kind="federal")
    same_name = Facility.objects.create(name="LEWISBURG U.S. PEN.", state="NJ", kind="federal")

    def make(day: date, reason: str = "", kind: str = "detainer", facility: Any = jail) -> Any:
        return TransferRequest.objects.create(
            request_type=kind,
            request_date=day,
            aor=phi_agency.aor,
            facility=facility,
            lift_reason=reason,
            source="import",
        )

    return [
        make(date(2015, 7, 1), "Lifted"),
        make(date(2015, 8, 15), "Lifted"),
        make(date(2015, 9, 30)),
        make(date(2015, 10, 1), "Booked into Detention", "notification", pen),
        make(date(2016, 3, 31), "Booked into Detention", "transfer", same_name),
        make(date(2016, 3, 31), "", "detainer", None),
    ]


def summary(*args: str) -> str:
    out = StringIO()
    call_command("transfers", "summary", *args, stdout=out)
    return out.getvalue()


def test_it_counts_per_quarter_and_lift_reason_in_a_table_and_json(
    requests: list[TransferRequest], tmp_path: Path
) -> None:
    target = tmp_path / "out" / "summary.json"
    printed = summary("--by", "quarter,lift_reason", "--json", str(target))
    assert json.loads(target.read_text(encoding="utf-8")) == {
        "by": ["quarter", "lift_reason"],
        "rows": [
            {"quarter": "2015Q3", "lift_reason": "", "count": 1},
            {"quarter": "2015Q3", "lift_reason": "Lifted", "count": 2},
            {"quarter": "2015Q4", "lift_reason": "Booked into Detention", "count": 1},
            {"quarter": "2016Q1", "lift_reason": "", "count": 1},
            {"quarter": "2016Q1", "lift_reason": "Booked into Detention", "count": 1},
        ],
        "total": 6,
    }
    lines = printed.splitlines()
    assert re.fullmatch(r"quarter +lift_reason +count", lines[0])
    assert re.fullmatch(r"2015Q3 +\(none\) +1", lines[2])
    assert re.fullmatch(r"2015Q3 +Lifted +2", lines[3])
    assert re.fullmatch(r"total +6", lines[-2])
    assert lines[-1] == f"written: {target}"
    # aligned: every count ends in the same column
    assert len({len(line) for line in lines[:-1] if not line.startswith("-")}) == 1
    assert [p.name for p in target.parent.iterdir()] == ["summary.json"]  # no temporary left


def test_it_counts_per_quarter_alone(requests: list[TransferRequest], tmp_path: Path) -> None:
    target = tmp_path / "q.json"
    summary("--json", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["by"] == ["quarter"]
    assert data["rows"] == [
        {"quarter": "2015Q3", "count": 3},
        {"quarter": "2015Q4", "count": 1},
        {"quarter": "2016Q1", "count": 2},
    ]


def test_it_counts_per_quarter_and_type(requests: list[TransferRequest], tmp_path: Path) -> None:
    target = tmp_path / "t.json"
    summary("--by", "quarter,type", "--json", str(target))
    rows = json.loads(target.read_text(encoding="utf-8"))["rows"]
    assert rows == [
        {"quarter": "2015Q3", "type": "detainer", "count": 3},
        {"quarter": "2015Q4", "type": "notification", "count": 1},
        {"quarter": "2016Q1", "type": "detainer", "count": 1},
        {"quarter": "2016Q1", "type": "transfer", "count": 1},
    ]


def test_it_tells_facilities_of_the_same_name_apart_by_state(
    requests: list[TransferRequest], tmp_path: Path
) -> None:
    target = tmp_path / "f.json"
    printed = summary("--by", "quarter,facility", "--json", str(target))
    rows = json.loads(target.read_text(encoding="utf-8"))["rows"]
    assert rows == [
        {"quarter": "2015Q3", "facility": "MONTGOMERY CNTY JAIL", "state": "PA", "count": 3},
        {"quarter": "2015Q4", "facility": "LEWISBURG U.S. PEN.", "state": "PA", "count": 1},
        {"quarter": "2016Q1", "facility": "", "state": "", "count": 1},
        {"quarter": "2016Q1", "facility": "LEWISBURG U.S. PEN.", "state": "NJ", "count": 1},
    ]
    assert re.search(r"^2016Q1 +LEWISBURG U\.S\. PEN\. +NJ +1$", printed, re.MULTILINE)


def test_it_prints_an_empty_table_when_there_are_no_requests(db: Any) -> None:
    printed = summary("--by", "quarter,type")
    assert re.search(r"^total +0$", printed, re.MULTILINE)


@pytest.mark.parametrize("by", ["foo", "quarter,foo", "quarter,type,facility", "", "type,quarter"])
def test_it_refuses_an_unknown_grouping_with_exit_2(db: Any, by: str) -> None:
    with pytest.raises(CommandError) as raised:
        summary("--by", by)
    assert raised.value.returncode == 2
    assert (
        "use quarter, one of facility, agency, type, criminality, lift_reason, layout, or "
        "quarter and one of them"
    ) in str(raised.value)


def test_it_totals_over_the_whole_period_by_agency_criminality_and_layout(
    requests: list[TransferRequest], phi_agency: Agency, tmp_path: Path
) -> None:
    TransferRequest.objects.filter(pk__in=[r.pk for r in requests[:3]]).update(
        agency=phi_agency, criminality="1"
    )
    TransferRequest.objects.filter(pk=requests[3].pk).update(criminality="3")
    target = tmp_path / "by.json"
    summary("--by", "agency", "--json", str(target))
    data = json.loads(target.read_text())
    assert data["rows"] == [
        {"agency": "", "name": "", "count": 3},
        {"agency": phi_agency.ori, "name": phi_agency.name, "count": 3},
    ]
    assert data["total"] == 6
    summary("--by", "criminality", "--json", str(target))
    counts = {r["criminality"]: r["count"] for r in json.loads(target.read_text())["rows"]}
    assert counts == {"": 2, "1": 3, "3": 1}
    text = summary("--by", "layout")
    assert re.search(r"\(none\)\s+6", text)  # entered, not imported from a release
    lifts = summary("--by", "quarter,lift_reason")
    assert "2015Q3" in lifts and "Lifted" in lifts


def test_it_keeps_the_old_json_when_writing_fails(
    requests: list[TransferRequest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "summary.json"
    target.write_text('{"old": true}', encoding="utf-8")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(json, "dump", broken)
    with pytest.raises(OSError, match="disk full"):
        summary("--json", str(target))
    assert target.read_text(encoding="utf-8") == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
