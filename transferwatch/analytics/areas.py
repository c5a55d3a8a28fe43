"""ICE ERO areas of responsibility (field offices) and the default area for each state.

(unconfirmed) ICE's field-office boundaries follow counties in a few states (Texas, California and
New York are split between offices); the default here is the office covering most of the state.
Keep this as data: an agency's own `aor` value always wins over the state default.
"""

from __future__ import annotations

AREAS: dict[str, str] = {
    "ATL": "Atlanta", "BAL": "Baltimore", "BOS": "Boston", "BUF": "Buffalo", "CHI": "Chicago",
    "DAL": "Dallas", "DEN": "Denver", "DET": "Detroit", "ELP": "El Paso", "HOU": "Houston",
    "LOS": "Los Angeles", "MIA": "Miami", "NEW": "Newark", "NOL": "New Orleans",
    "NYC": "New York City", "PHI": "Philadelphia", "PHO": "Phoenix", "SEA": "Seattle",
    "SFR": "San Francisco", "SLC": "Salt Lake City", "SNA": "San Antonio", "SND": "San Diego",
    "SPM": "St. Paul", "WAS": "Washington",
}  # fmt: skip

STATE_AREA: dict[str, str] = {
    "AL": "NOL", "AK": "SEA", "AZ": "PHO", "AR": "NOL", "CA": "LOS", "CO": "DEN", "CT": "BOS",
    "DE": "PHI", "DC": "WAS", "FL": "MIA", "GA": "ATL", "HI": "SFR", "ID": "SLC", "IL": "CHI",
    "IN": "CHI", "IA": "SPM", "KS": "CHI", "KY": "CHI", "LA": "NOL", "ME": "BOS", "MD": "BAL",
    "MA": "BOS", "MI": "DET", "MN": "SPM", "MS": "NOL", "MO": "CHI", "MT": "SLC", "NE": "SPM",
    "NV": "SLC", "NH": "BOS", "NJ": "NEW", "NM": "ELP", "NY": "NYC", "NC": "ATL", "ND": "SPM",
    "OH": "DET", "OK": "DAL", "OR": "SEA", "PA": "PHI", "RI": "BOS", "SC": "ATL", "SD": "SPM",
    "TN": "NOL", "TX": "DAL", "UT": "SLC", "VT": "BOS", "VA": "WAS", "WA": "SEA", "WV": "PHI",
    "WI": "CHI", "WY": "DEN", "PR": "MIA", "VI": "MIA", "GU": "SFR",
}  # fmt: skip

STATE_NAMES: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL",
    "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN",
    "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY",
    "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR",
    "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA",
    "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
    "PUERTO RICO": "PR", "VIRGIN ISLANDS": "VI", "GUAM": "GU",
}  # fmt: skip


def state_code(value: str) -> str | None:
    """'PA', 'pa' or 'PENNSYLVANIA' -> 'PA'; None when not a state."""
    text = value.strip().upper()
    if text in STATE_AREA:
        return text
    return STATE_NAMES.get(text)
