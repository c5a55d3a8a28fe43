"""Monitoring flags become monitoring allegations (cases app): existing flags are carried over."""

from datetime import timedelta

from django.db import migrations

PROFILING = {
    "minor_offense_shift": "profiling_ethnicity",
    "dismissal_disparity": "profiling_ethnicity",
    "population_benchmark": "profiling_ethnicity",
    "lep_minor_offense": "profiling_lep",
}


def flags_to_allegations(apps, schema_editor):
    Flag = apps.get_model("monitoring", "MonitoringFlag")
    Allegation = apps.get_model("cases", "Allegation")
    for flag in Flag.objects.order_by("created_at", "pk"):
        year = flag.created_at.year
        stem = f"CRCL-A-{year}-"
        last = (
            Allegation.objects.filter(number__startswith=stem)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        names = sorted(flag.indicators)
        types = sorted({PROFILING[i] for i in names if i in PROFILING}) or ["other_practice"]
        Allegation.objects.create(
            number=f"{stem}{n:06d}",
            status="received" if flag.status == "open" else "triaged",
            agency_id=flag.agency_id,
            types=types,
            narrative=f"Monitoring run {flag.run_id} flagged this agency on: "
            + ", ".join(i.replace("_", " ") for i in names)
            + ". Carried over from a monitoring flag. "
            + (flag.note or ""),
            source="crcl_monitoring",
            channel="monitoring",
            monitoring_run_id=flag.run_id,
            indicators=names,
            received_at=flag.created_at,
            due_at=flag.created_at + timedelta(days=10),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(flags_to_allegations, migrations.RunPython.noop),
        migrations.DeleteModel(name="MonitoringFlag"),
    ]
