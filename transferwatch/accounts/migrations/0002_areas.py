"""ICE ERO field offices (areas of responsibility). Codes as used in ICE releases (unconfirmed:
edit them as data, never in code)."""

from django.db import migrations

AREAS = [
    ("ATL", "Atlanta"),
    ("BAL", "Baltimore"),
    ("BOS", "Boston"),
    ("BUF", "Buffalo"),
    ("CHI", "Chicago"),
    ("DAL", "Dallas"),
    ("DEN", "Denver"),
    ("DET", "Detroit"),
    ("ELP", "El Paso"),
    ("HOU", "Houston"),
    ("LOS", "Los Angeles"),
    ("MIA", "Miami"),
    ("NEW", "Newark"),
    ("NOL", "New Orleans"),
    ("NYC", "New York City"),
    ("PHI", "Philadelphia"),
    ("PHO", "Phoenix"),
    ("SEA", "Seattle"),
    ("SFR", "San Francisco"),
    ("SLC", "Salt Lake City"),
    ("SNA", "San Antonio"),
    ("SND", "San Diego"),
    ("SPM", "St. Paul"),
    ("WAS", "Washington"),
]


def forwards(apps, schema_editor):
    Area = apps.get_model("accounts", "Area")
    for code, name in AREAS:
        Area.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
