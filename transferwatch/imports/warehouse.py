"""Agencies into the database and bookings into the warehouse (`store()`), all or nothing.

The checking and the Parquet writing are in `transferwatch.analytics.warehouse` (pure, DuckDB);
this module records the import, keeps the rejects report and writes agencies as ORM rows.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.db import transaction

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency
from transferwatch.analytics import contract, onepass
from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.areas import STATE_AREA
from transferwatch.analytics.stores import Warehouse, WarehouseError, open_warehouse
from transferwatch.imports import services, textfile
from transferwatch.imports.mapping import Mapping, MappingError
from transferwatch.imports.mapping_sql import Staged, stage_mapped
from transferwatch.imports.models import Import
from transferwatch.imports.rejects import Reject
from transferwatch.imports.services import ImportInputError, plural

Progress = Callable[..., None] | None
SHOW = 20


def store() -> Warehouse:
    """The bookings store TRANSFERWATCH_WAREHOUSE names (Parquet files by default)."""
    return open_warehouse(settings.WAREHOUSE, Path(settings.WAREHOUSE_DIR))


def _begin(
    kind: str, path: Path, imp: Import | None, user: Any, skip_invalid: bool, utf8: bool = True
) -> Import:
    name = imp.file_name if imp is not None else path.name
    try:
        fmt = wh.detect_format(path, name, utf8=utf8)
    except wh.InputProblem as exc:
        message = str(exc)
        if "not UTF-8" in message:
            bad = textfile.first_bad_byte(path)
            message = textfile.not_utf8_message(path, name, bad or 0)
        if imp is not None:
            services.finish(imp, "failed", message=message)
        raise ImportInputError(message) from None
    if imp is None:
        imp = services.start(kind, path, user=user, file_format=fmt, skip_invalid=skip_invalid)
    return imp


def _report(imp: Import, progress: Progress, done: int, total: int) -> None:
    services.progress(imp, done, total)
    if progress is not None:
        progress(done, total)


def _stage_and_check(
    con: duckdb.DuckDBPyConnection,
    imp: Import,
    path: Path,
    columns: tuple[contract.Column, ...],
    rules: Callable[[frozenset[str]], tuple[list[contract.Rule], list[tuple[str, str]]]],
) -> wh.Checked:
    present = wh.stage(con, path, columns, imp.file_name)
    row_rules, table_rules = rules(present)
    return wh.check(con, columns, present, row_rules, table_rules)


def _rejected_or_none(
    con: duckdb.DuckDBPyConnection, imp: Import, checked: wh.Checked
) -> Import | None:
    """Write the rejects report; finish as rejected unless invalid rows may be skipped."""
    if not checked.problems:
        return None
    wh.write_problems(con, imp.rejects_path)
    first = [
        Reject(p.row, p.column, p.value, p.problem).describe(imp.file_name)
        for p in wh.first_problems(con, SHOW)
    ]
    if imp.skip_invalid:
        imp.details = {**imp.details, "first_errors": first, "problems": checked.problems}
        Import.objects.filter(pk=imp.pk).update(details=imp.details)
        return None
    return services.finish(
        imp,
        "rejected",
        rejected=checked.bad_rows,
        message=(
            f"{imp.file_name}: {plural(checked.bad_rows, 'row')} of {checked.rows:,} invalid "
            f"({plural(checked.problems, 'problem')}); nothing imported"
        ),
        details={"first_errors": first, "problems": checked.problems},
    )


def _fail(imp: Import, exc: BaseException) -> Import:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return services.finish(
        imp, "failed", message=f"{imp.file_name}: import failed, nothing was changed: {reason}"
    )


def import_bookings(
    path: Path,
    *,
    imp: Import | None = None,
    user: Any = None,
    skip_invalid: bool = False,
    progress: Progress = None,
    mapping: Mapping | None = None,
    ori: str = "",
    encoding: str = "",
) -> Import:
    """Check every row of a bookings file and merge the valid ones into the warehouse.

    With a `mapping` (a profile or a mapping file) the file is first translated into the
    contract in SQL (`mapping_sql`); `ori` gives the agency of a file without an agency column;
    `encoding` names the file's encoding ("auto" to detect it). The checks, the rejects report
    and the all-or-nothing commit are the same either way.
    """
    if mapping is not None and not encoding:
        encoding = mapping.encoding
    plain = mapping is None and not ori and not encoding
    imp = _begin("bookings", path, imp, user, skip_invalid, utf8=not encoding and mapping is None)
    key = imp.file_hash if plain else _mapped_key(imp.file_hash, mapping, ori, encoding)
    if mapping is not None or ori or encoding:
        imp.details = {
            **imp.details,
            "mapping": mapping.name if mapping is not None else "",
            "ori": ori,
            "encoding": encoding,
        }
        Import.objects.filter(pk=imp.pk).update(details=imp.details)
    bookings = store()
    earlier = services.already_imported(imp) if plain else None
    try:
        held = earlier is not None or bookings.has_import(key)
    except WarehouseError as exc:
        return _fail(imp, exc)
    if held:
        return services.finish(
            imp, "unchanged", message=f"{imp.file_name}: already imported; nothing changed"
        )
    services.mark_running(imp)
    work = Path(settings.WAREHOUSE_DIR) / ".staging"
    con = wh.connect(work)
    readable = path
    staged: Staged | None = None
    try:
        with bookings.lock():
            wh.load_known_agencies(con, list(Agency.objects.values_list("ori", flat=True)))
            # A clean file is checked and written in one read; any other goes the full way.
            one_pass = (
                onepass.commit_clean_file(
                    bookings,
                    path,
                    key,
                    work,
                    list(Agency.objects.values_list("ori", flat=True)),
                    imp.file_name,
                )
                if mapping is None and not encoding and isinstance(bookings, wh.BookingStore)
                else None
            )
            try:
                if one_pass is not None:
                    checked = wh.Checked(one_pass.rows_added, 0, 0, frozenset())
                elif mapping is None and not encoding:
                    checked = _stage_and_check(
                        con, imp, path, contract.BOOKING_COLUMNS, wh.booking_rules
                    )
                else:
                    if imp.file_format == "parquet":
                        raise wh.InputProblem(
                            f"{imp.file_name}: a Parquet file is read as the contract's own "
                            "columns; mappings and encodings are for CSV files"
                        )
                    readable, used = textfile.readable(path, encoding, work, imp.file_name)
                    imp.details["read_as"] = used
                    staged, checked = _stage_mapped_and_check(con, imp, readable, mapping, ori)
            except (wh.InputProblem, MappingError) as exc:
                services.finish(imp, "failed", message=str(exc))
                raise ImportInputError(str(exc)) from None
            _report(imp, progress, checked.rows // 3, checked.rows)
            rejected = _rejected_or_none(con, imp, checked)
            if rejected is not None:
                return rejected
            _report(imp, progress, 2 * checked.rows // 3, checked.rows)
            incoming = wh.valid_rows_sql(checked, contract.BOOKING_COLUMNS)
            result = one_pass or bookings.commit(con, incoming, key)
            _report(imp, progress, checked.rows, checked.rows)
    except (duckdb.Error, OSError, WarehouseError) as exc:
        return _fail(imp, exc)
    finally:
        con.close()
        if readable != path:
            readable.unlink(missing_ok=True)
        for spill in work.glob("spill-*"):
            shutil.rmtree(spill, ignore_errors=True)
    skipped = f", {plural(checked.bad_rows, 'invalid row')} skipped" if checked.bad_rows else ""
    details: dict[str, Any] = {
        "quarters": list(result.quarters_rewritten),
        "rows_replaced": result.rows_replaced,
        "warehouse_rows": result.total_rows,
    }
    how, unknown, unit = "", "", "booking"
    if staged is not None and mapping is not None:
        details.update(
            layout=staged.layout,
            source_rows=staged.source_rows,
            unmapped=[u.describe() for u in staged.unmapped],
        )
        layout = f", layout {staged.layout}" if len(mapping.layouts) > 1 else ""
        how = f" ({mapping.name}{layout}, read as {imp.details['read_as']})"
        unit = staged.unit
        if staged.source_rows != checked.rows:
            how += f" from {plural(staged.source_rows, 'row')}"
        if staged.unmapped:
            unknown = "; imported as unknown, not in the map: " + "; ".join(
                u.describe() for u in staged.unmapped
            )
    return services.finish(
        imp,
        "done",
        accepted=result.rows_added,
        rejected=checked.bad_rows,
        message=(
            f"{imp.file_name}{how}: {plural(result.rows_added, unit)} imported "
            f"({result.rows_replaced:,} replacing earlier rows{skipped}); "
            f"the warehouse holds {result.total_rows:,}{unknown}"
        ),
        details={**imp.details, **details},
    )


def _mapped_key(file_hash: str, mapping: Mapping | None, ori: str, encoding: str) -> str:
    """What makes a mapped import the same again: the bytes, the mapping, the agency, encoding."""
    digest = hashlib.sha256(file_hash.encode())
    for part in (mapping.text if mapping is not None else "", ori, encoding):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def _stage_mapped_and_check(
    con: duckdb.DuckDBPyConnection,
    imp: Import,
    path: Path,
    mapping: Mapping | None,
    ori: str,
) -> tuple[Staged | None, wh.Checked]:
    if mapping is None:
        if ori:
            raise wh.InputProblem(f"{imp.file_name}: --ori is for files read with a mapping")
        return None, _stage_and_check(con, imp, path, contract.BOOKING_COLUMNS, wh.booking_rules)
    staged = stage_mapped(con, path, mapping, ori, imp.file_name)
    row_rules, table_rules = wh.booking_rules(staged.present)
    return staged, wh.check(con, contract.BOOKING_COLUMNS, staged.present, row_rules, table_rules)


AGENCY_FIELDS = [c.name for c in contract.AGENCY_COLUMNS if c.name != "aor"]


def import_agencies(
    path: Path,
    *,
    imp: Import | None = None,
    user: Any = None,
    skip_invalid: bool = False,
    progress: Progress = None,
) -> Import:
    """Check every row of an agencies file; create new agencies and update known ones."""
    imp = _begin("agencies", path, imp, user, skip_invalid)
    if services.already_imported(imp) is not None:
        return services.finish(
            imp, "unchanged", message=f"{imp.file_name}: already imported; nothing changed"
        )
    services.mark_running(imp)
    work = Path(settings.DATA_DIR) / "imports" / ".staging"
    con = wh.connect(work, memory_limit="512MB")
    try:
        try:
            checked = _stage_and_check(con, imp, path, contract.AGENCY_COLUMNS, wh.agency_rules)
        except wh.InputProblem as exc:
            services.finish(imp, "failed", message=str(exc))
            raise ImportInputError(str(exc)) from None
        rejected = _rejected_or_none(con, imp, checked)
        if rejected is not None:
            return rejected
        cursor = con.execute(wh.valid_rows_sql(checked, contract.AGENCY_COLUMNS))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    except duckdb.Error as exc:
        return _fail(imp, exc)
    finally:
        con.close()
    _report(imp, progress, len(rows) // 2, checked.rows)
    areas = {a.code: a for a in Area.objects.all()}
    with transaction.atomic():
        existing = {a.ori: a for a in Agency.objects.select_for_update()}
        created, updated = [], []
        for row in rows:
            aor_code = row.pop("aor") or STATE_AREA.get(row.get("state") or "")
            values = {
                k: ("" if v is None and k in ("name", "state", "county_fips", "peer_group") else v)
                for k, v in row.items()
            }
            values["aor"] = areas.get(aor_code or "")
            agency = existing.get(values["ori"])
            if agency is None:
                created.append(Agency(**values))
                continue
            changed = [k for k, v in values.items() if getattr(agency, k) != v]
            if changed:
                for key in changed:
                    setattr(agency, key, values[key])
                updated.append(agency)
        Agency.objects.bulk_create(created, batch_size=1000)
        fields = [*AGENCY_FIELDS, "aor"]
        fields.remove("ori")
        Agency.objects.bulk_update(updated, fields, batch_size=1000)
        skipped = f", {plural(checked.bad_rows, 'invalid row')} skipped" if checked.bad_rows else ""
        return services.finish(
            imp,
            "done",
            accepted=len(rows),
            rejected=checked.bad_rows,
            message=(
                f"{imp.file_name}: {plural(len(created), 'agency', 'agencies')} added, "
                f"{len(updated):,} updated, "
                f"{len(rows) - len(created) - len(updated):,} unchanged{skipped}"
            ),
            details={"created": len(created), "updated": len(updated)},
        )
