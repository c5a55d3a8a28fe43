"""Reading a case from its JSON object (CONTRACTS.md section 1), checking every field.

`parse_case` raises `CaseError(field, message)` naming the first bad field, e.g.
``convictions[2].sentence_days: must be a whole number >= 0, not -3``. Fields not given (or given
as null) take the contract's defaults; fields the contract does not name are ignored, as extra
columns are in the other contracts. This runs once per line of `transferwatch classify`, so it
avoids work on the common path (dates are cached by their text).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from transferwatch.policy.model import (
    CATEGORIES,
    PROBABLE_CAUSE,
    SEVERITIES,
    Case,
    CaseError,
    Charge,
    Conviction,
)

_DATES: dict[str, date] = {}
_DATE_CACHE_LIMIT = 100_000
_NO_CATEGORIES: frozenset[str] = frozenset()


def parse_date(value: object, where: str) -> date:
    """A YYYY-MM-DD string as a date; CaseError naming `where` otherwise."""
    if type(value) is str:
        day = _DATES.get(value)
        if day is not None:
            return day
        if (
            len(value) == 10
            and value.isascii()
            and value[4] == "-"
            and value[7] == "-"
            and value[:4].isdigit()
            and value[5:7].isdigit()
            and value[8:].isdigit()
        ):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise CaseError(where, f"{value!r} is not a valid date") from None
            if len(_DATES) >= _DATE_CACHE_LIMIT:
                _DATES.clear()
            _DATES[value] = day
            return day
    raise CaseError(where, f"must be a date as YYYY-MM-DD, not {value!r}")


def _optional_date(value: object, where: str) -> date | None:
    return None if value is None else parse_date(value, where)


def _categories(value: object, where: str) -> frozenset[str]:
    if value is None:
        return _NO_CATEGORIES
    if type(value) is not list:
        raise CaseError(where, f"must be a list of categories, not {value!r}")
    if not value:
        return _NO_CATEGORIES
    try:
        found = frozenset(value)
    except TypeError:
        raise CaseError(where, f"must be a list of category names, not {value!r}") from None
    if not found <= CATEGORIES:
        unknown = ", ".join(sorted(repr(c) for c in found - CATEGORIES))
        raise CaseError(
            where, f"unknown category {unknown}; known: {', '.join(sorted(CATEGORIES))}"
        )
    return found


def _bad_severity(value: object, where: str) -> CaseError:
    if value is None:
        return CaseError(where, "required (felony, misdemeanor or infraction)")
    return CaseError(where, f"must be felony, misdemeanor or infraction, not {value!r}")


def _optional_severity(value: object, where: str) -> str | None:
    if value is None:
        return None
    if type(value) is str and value in SEVERITIES:
        return value
    raise _bad_severity(value, where)


def _conviction(raw: object, i: int) -> Conviction:
    # Field names are built only on the error path: this runs for every conviction of every line.
    if type(raw) is not dict:
        raise CaseError(f"convictions[{i}]", f"must be an object, not {raw!r}")
    get = raw.get
    raw_day = get("date")
    day = _DATES.get(raw_day) if type(raw_day) is str else None
    if day is None:
        if raw_day is None:
            raise CaseError(f"convictions[{i}].date", "required")
        day = parse_date(raw_day, f"convictions[{i}].date")
    severity = get("severity")
    if type(severity) is not str or severity not in SEVERITIES:
        raise _bad_severity(severity, f"convictions[{i}].severity")
    days = get("sentence_days", 0)
    if type(days) is not int or days < 0:
        if days is None:
            days = 0
        else:
            message = f"must be a whole number >= 0, not {days!r}"
            raise CaseError(f"convictions[{i}].sentence_days", message)
    suspended = get("suspended", False)
    if suspended is not False and suspended is not True:
        suspended = _flag(suspended, f"convictions[{i}].suspended")
    incident = get("incident")
    if incident is not None and type(incident) is not str:
        if type(incident) is not int:
            raise CaseError(f"convictions[{i}].incident", f"must be a string, not {incident!r}")
        incident = str(incident)
    categories = get("categories")
    if categories:
        categories = _categories(categories, f"convictions[{i}].categories")
    elif categories is not None:
        _categories(categories, f"convictions[{i}].categories")
        categories = _NO_CATEGORIES
    else:
        categories = _NO_CATEGORIES
    return Conviction(day, severity, categories, days, suspended, incident)


def _flag(value: object, where: str) -> bool:
    """The slow path of a boolean field: null means false, anything but true/false is an error."""
    if value is None:
        return False
    if value is True or value is False:
        return value
    raise CaseError(where, f"must be true or false, not {value!r}")


def _charge(raw: object, where: str) -> Charge:
    if type(raw) is not dict:
        raise CaseError(where, f"must be an object, not {raw!r}")
    return Charge(
        _optional_date(raw.get("date"), f"{where}.date"),
        _optional_severity(raw.get("severity"), f"{where}.severity"),
        _categories(raw.get("categories"), f"{where}.categories"),
    )


def _list(value: object, where: str) -> list[Any]:
    if value is None:
        return []
    if type(value) is not list:
        raise CaseError(where, f"must be a list, not {value!r}")
    return value


def parse_case(obj: object, today: date | None = None) -> Case:
    """Check a case object field by field and return it as a `Case`.

    Parameters
    ----------
    obj
        One decoded JSON line.
    today
        The date `as_of` may not be later than (default: the machine's date); tests pass it in.

    Raises
    ------
    CaseError
        For the first field that is missing, of the wrong type, an unknown code, a date that is
        not YYYY-MM-DD, an `as_of` in the future or a birth date after `as_of`. A conviction
        dated after `as_of` is not an error: it does not count (the explanation says so).
    """
    if type(obj) is not dict:
        raise CaseError("case", f"must be a JSON object, not {type(obj).__name__}")
    get = obj.get
    case_id = get("id")
    if case_id is not None and type(case_id) is not str:
        raise CaseError("id", f"must be a string, not {case_id!r}")
    raw_as_of = get("as_of")
    if raw_as_of is None:
        raise CaseError("as_of", "required (the date of the determination, YYYY-MM-DD)")
    as_of = parse_date(raw_as_of, "as_of")
    if today is None:
        today = date.today()
    if as_of > today:
        raise CaseError("as_of", f"{as_of.isoformat()} is in the future (today is {today})")

    security = get("national_security")
    if security is not False and security is not True:
        security = _flag(security, "national_security")
    border = get("border_apprehension")
    if border is not False and border is not True:
        border = _flag(border, "border_apprehension")
    gang = get("gang_participation")
    if gang is not False and gang is not True:
        gang = _flag(gang, "gang_participation")
    entry = get("unlawful_entry")
    if entry is not False and entry is not True:
        entry = _flag(entry, "unlawful_entry")
    visa = get("visa_abuse")
    if visa is not False and visa is not True:
        visa = _flag(visa, "visa_abuse")

    birth = get("birth_date")
    birth_date = None if birth is None else parse_date(birth, "birth_date")
    if birth_date is not None and birth_date > as_of:
        raise CaseError("birth_date", f"{birth_date} is after as_of {as_of}")
    presence = get("continuous_presence_since")
    presence_since = None if presence is None else parse_date(presence, "continuous_presence_since")
    order = get("final_order_date")
    final_order = None if order is None else parse_date(order, "final_order_date")

    raw_convictions = get("convictions")
    convictions: tuple[Conviction, ...] = ()
    if raw_convictions:
        convictions = tuple(
            [_conviction(c, i) for i, c in enumerate(_list(raw_convictions, "convictions"))]
        )
    elif raw_convictions is not None:
        _list(raw_convictions, "convictions")
    raw_charges = get("pending_charges")
    charges: tuple[Charge, ...] = ()
    if raw_charges:
        charges = tuple(
            _charge(c, f"pending_charges[{i}]")
            for i, c in enumerate(_list(raw_charges, "pending_charges"))
        )
    elif raw_charges is not None:
        _list(raw_charges, "pending_charges")
    raw_cause = get("probable_cause")
    cause: tuple[str, ...] = ()
    if raw_cause:
        cause = tuple(_list(raw_cause, "probable_cause"))
        for code in cause:
            if type(code) is not str or code not in PROBABLE_CAUSE:
                raise CaseError(
                    "probable_cause",
                    f"unknown basis {code!r}; known: {', '.join(sorted(PROBABLE_CAUSE))}",
                )
    elif raw_cause is not None:
        _list(raw_cause, "probable_cause")

    return Case(
        case_id,
        as_of,
        birth_date,
        security,
        border,
        gang,
        entry,
        presence_since,
        visa,
        final_order,
        convictions,
        charges,
        cause,
    )
