from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

BOOKING_HEADER = (
    "booking_id,ori,booking_date,person_id,sex,age,race,ethnicity,lep,birth_country,offense_code,"
    "offense_category,offense_severity,disposition,ice_match,transfer_request,request_date,"
    "pep_eligible,request_outcome"
)
GOOD_ROW = "b{n},PA0460000,2015-0{m}-01,p{n},M,30,W,H,Y,MX,5404,minor_traffic,infraction,dismissed,Y,detainer,2015-0{m}-02,N,transferred"


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any, db: Any) -> Path:
    """A fresh data folder and warehouse for each test."""
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    return tmp_path


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bookings_file(path: Path, n: int = 3, *extra: str) -> Path:
    rows = [GOOD_ROW.format(n=i, m=1 + i % 9) for i in range(n)]
    return write(path, BOOKING_HEADER, *rows, *extra)
