"""The vocabulary and the parameters of the synthetic data (see `synth`).

Codes follow CONTRACTS.md section 2. (unconfirmed) Offence codes are illustrative, not verified
NCIC codes; rates are plausible orders of magnitude, chosen so that agencies differ as real ones do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

EPOCH = date(1970, 1, 1)
PEP_START = date(2015, 1, 5)
PLANT_KINDS = ("pretext", "lowprio", "dismissal", "lep", "hispanic_level", "lep_level")
# Kinds that add minor-offence arrests of one group: the group, and whether the arrests are added
# after activation only (a change at activation) or throughout the period (a raised level, the
# profiling that predates activation and goes on after it; no change at activation)
MINOR_PLANTS = {
    "pretext": ("hispanic", False), "lep": ("lep", False),
    "hispanic_level": ("hispanic", True), "lep_level": ("lep", True),
}  # fmt: skip
FORMATS = ("csv", "parquet")
MAX_AGENCIES = 50_000  # person keys pack the agency number into 16 bits
CHUNK_ROWS = 500_000

SEX = ("M", "F", "X", "U")
RACE = ("W", "B", "A", "I", "P", "O", "U")
ETHNICITY = ("H", "N", "U")
LEP = ("Y", "N", "U")
SEVERITIES = ("felony", "misdemeanor", "infraction")
DISPOSITIONS = ("convicted", "dismissed", "pending", "unknown")
YES_NO = ("Y", "N")
REQUESTS = ("none", "notification", "detainer", "transfer")
OUTCOMES = ("transferred", "released", "lifted", "us_citizen", "declined_by_lea", "pending")

# category: (share of arrests that are not for minor offences, felony share, NCIC codes)
OFFENSES: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "minor_traffic": (0.0, 0.0, ("5499", "5405")),
    "traffic": (0.12, 0.10, ("5401", "5403", "5499")),
    "dui": (0.13, 0.08, ("5404",)),
    "drug_possession": (0.15, 0.35, ("3562", "3599")),
    "drug_trafficking": (0.03, 0.95, ("3561", "3531")),
    "property": (0.15, 0.30, ("2399", "2303", "2605")),
    "burglary": (0.04, 0.85, ("2202", "2299")),
    "violent": (0.09, 0.55, ("1313", "1399", "1201")),
    "domestic_violence": (0.08, 0.20, ("1314", "3802")),
    "sex_offense": (0.02, 0.75, ("3699", "1103")),
    "weapons": (0.03, 0.50, ("5212", "5299")),
    "public_order": (0.08, 0.05, ("5311", "5399", "4801")),
    "immigration_status": (0.005, 0.30, ("0399",)),
    "warrant": (0.06, 0.40, ("5015", "5012")),
    "other": (0.035, 0.20, ("7399", "7099")),
}
CATEGORIES = tuple(OFFENSES)
MINOR_MIX = {"minor_traffic": 0.62, "public_order": 0.20, "other": 0.10, "traffic": 0.08}
SIGNIFICANT = ("dui", "drug_trafficking", "burglary", "domestic_violence", "sex_offense", "weapons")
OFFENSE_CODES = tuple(code for _, _, codes in OFFENSES.values() for code in codes)

# state: (FIPS, weight, Hispanic, Black, Asian shares of residents, counties)
STATES: dict[str, tuple[str, float, float, float, float, int]] = {
    "TX": ("48", 10, 0.38, 0.12, 0.05, 254), "CA": ("06", 12, 0.38, 0.06, 0.14, 58),
    "FL": ("12", 7, 0.24, 0.16, 0.03, 67), "NY": ("36", 6, 0.18, 0.15, 0.08, 62),
    "IL": ("17", 4, 0.16, 0.14, 0.05, 102), "AZ": ("04", 3, 0.30, 0.04, 0.03, 15),
    "NJ": ("34", 3, 0.19, 0.13, 0.09, 21), "GA": ("13", 4, 0.09, 0.31, 0.04, 159),
    "NC": ("37", 4, 0.09, 0.21, 0.03, 100), "PA": ("42", 4, 0.07, 0.11, 0.03, 67),
    "CO": ("08", 2, 0.21, 0.04, 0.03, 64), "NM": ("35", 1, 0.47, 0.02, 0.01, 33),
    "WA": ("53", 2, 0.12, 0.04, 0.08, 39), "VA": ("51", 2, 0.09, 0.19, 0.06, 95),
    "OH": ("39", 3, 0.04, 0.12, 0.02, 88), "MI": ("26", 2, 0.05, 0.14, 0.03, 83),
    "TN": ("47", 2, 0.05, 0.17, 0.02, 95), "OK": ("40", 1, 0.10, 0.07, 0.02, 77),
    "NV": ("32", 1, 0.28, 0.09, 0.08, 17), "UT": ("49", 1, 0.14, 0.01, 0.02, 29),
    "OR": ("41", 1, 0.12, 0.02, 0.04, 36), "MA": ("25", 1, 0.11, 0.07, 0.06, 14),
    "LA": ("22", 1, 0.05, 0.32, 0.02, 64), "KS": ("20", 1, 0.11, 0.06, 0.03, 105),
    "NE": ("31", 1, 0.10, 0.05, 0.02, 93), "AL": ("01", 1, 0.04, 0.27, 0.01, 67),
    "SC": ("45", 1, 0.05, 0.28, 0.02, 46), "MD": ("24", 1, 0.09, 0.30, 0.06, 24),
    "WI": ("55", 1, 0.06, 0.06, 0.03, 72), "MN": ("27", 1, 0.05, 0.06, 0.05, 87),
}  # fmt: skip
PLACES = (
    "Adams", "Bexar", "Cedar", "Clark", "Cumberland", "Dallas", "Douglas", "Essex", "Fairview",
    "Franklin", "Garfield", "Grant", "Greene", "Hamilton", "Harris", "Hidalgo", "Jackson",
    "Jefferson", "Lake", "Lincoln", "Madison", "Marion", "Monroe", "Montgomery", "Orange", "Pierce",
    "Polk", "Riverside", "Salem", "Summit", "Travis", "Union", "Warren", "Washington", "Wayne",
)  # fmt: skip
LATIN_AMERICA = ("MX", "GT", "HN", "SV", "CU", "DO", "CO", "EC", "PE", "NI")
LATIN_WEIGHTS = (0.55, 0.10, 0.09, 0.08, 0.05, 0.05, 0.03, 0.02, 0.02, 0.01)
ASIA = ("CN", "IN", "VN", "PH", "KR")
ELSEWHERE = ("CA", "GB", "NG", "JM", "HT", "PL", "DE", "ET")
COUNTRIES = ("US", *LATIN_AMERICA, *ASIA, *ELSEWHERE)

# Model constants, copied into truth.json. Agency random effects are normal on the log-odds scale.
PARAMETERS: dict[str, Any] = {
    "bookings_per_year": {"median": 1000, "log_sd": 1.1, "min": 150, "max": 60000},
    "arrests_per_resident": {"median": 0.035, "log_sd": 0.3},
    "activated_share": 0.85,
    "repeat_booking_share": 0.18,
    "minor_share": 0.22,
    "minor_trend_log_odds_per_year": -0.12,
    "dismissal_share": 0.25,
    "ice_match_foreign_born": 0.55,
    "ice_match_us_born": 0.004,
    "request_after_activation": 0.6,
    "request_before_activation_log_odds": -2.3,
    "non_eligible_request_ratio": {"median": 0.15, "log_sd": 0.4},
    "agency_effects": {
        "minor": [0.0, 0.35], "minor_hispanic": [0.15, 0.2], "minor_hispanic_post": [0.0, 0.08],
        "minor_lep": [0.1, 0.15], "dismissal": [0.0, 0.45], "dismissal_hispanic": [0.05, 0.12],
        "ice_match": [0.0, 0.3], "request": [0.0, 0.5],
    },
    "planted_effect_ranges": {
        "pretext": {"minor_offense_rate_ratio": [1.8, 2.8]},
        "lep": {"minor_offense_rate_ratio": [1.8, 2.8]},
        "dismissal": {"dismissal_log_odds": [0.6, 1.0]},
        "lowprio": {"non_eligible_request_multiplier": [3.0, 6.0]},
        "hispanic_level": {"minor_offense_rate_ratio": [1.8, 2.8]},
        "lep_level": {"minor_offense_rate_ratio": [1.8, 2.8]},
    },
}  # fmt: skip

AGENCY_COLUMNS = (
    "ori", "name", "state", "county_fips", "activation_date", "population", "pop_hispanic",
    "pop_white", "pop_black", "pop_asian", "pop_other", "pop_lep", "peer_group", "aor",
)  # fmt: skip
BOOKING_COLUMNS = (
    "booking_id", "ori", "booking_date", "person_id", "sex", "age", "race", "ethnicity", "lep",
    "birth_country", "offense_code", "offense_category", "offense_severity", "disposition",
    "ice_match", "transfer_request", "request_date", "pep_eligible", "request_outcome",
)  # fmt: skip
