"""The indexes the search box needs, on other apps' tables (search/services.py).

PostgreSQL: GIN indexes on to_tsvector('simple', COALESCE(name, '')) of agencies and facilities,
the expression that SearchVector("name", config="simple") writes, so a name search is an index
scan (benchmarks/search.py shows the plans). Both databases: B-tree indexes on the dates of birth
of people and of the people named in allegations (a person by name and date of birth). Record
numbers, ORIs and A-numbers have their indexes already (unique or db_index; on PostgreSQL Django
adds the varchar_pattern_ops twin that serves a prefix search).
"""

from typing import Any

from django.db import migrations, models

GIN = [
    ("agencies", "Agency", "search_agency_name_fts"),
    ("agencies", "Facility", "search_facility_name_fts"),
]
BIRTH_DATE = [
    ("transfers", "Person", "search_person_birth_date"),
    ("cases", "InvolvedPerson", "search_involved_birth_date"),
]


def _indexes(schema_editor: Any) -> list[tuple[str, str, models.Index]]:
    found: list[tuple[str, str, models.Index]] = []
    if schema_editor.connection.vendor == "postgresql":
        from django.contrib.postgres.indexes import GinIndex
        from django.contrib.postgres.search import SearchVector

        for app, model, name in GIN:
            found.append((app, model, GinIndex(SearchVector("name", config="simple"), name=name)))
    for app, model, name in BIRTH_DATE:
        found.append((app, model, models.Index(fields=["birth_date"], name=name)))
    return found


def create(apps: Any, schema_editor: Any) -> None:
    for app, model, index in _indexes(schema_editor):
        schema_editor.add_index(apps.get_model(app, model), index)


def drop(apps: Any, schema_editor: Any) -> None:
    for app, model, index in _indexes(schema_editor):
        schema_editor.remove_index(apps.get_model(app, model), index)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_facility_agency_source"),
        ("cases", "0002_referral_answer_entry_attachments"),
        ("transfers", "0004_released_detainer_facts"),
    ]

    operations = [migrations.RunPython(create, drop)]
