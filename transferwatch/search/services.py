"""The search behind the box in the page header.

Every kind of record is looked up through the same `visible_to(user)` queryset its list uses, so
a record outside the user's role or areas is simply not found. People are looked up only for
roles that may reveal them, and every person (or allegation naming a person) a search matches is
recorded in the audit log as a reveal, as the reveal button on a person's page is; a people search
that matches nobody is recorded too. Results show people masked.

Names are matched word by word: on PostgreSQL with full-text search ('simple' configuration,
prefix matching, GIN indexes of search/migrations), elsewhere with a regular expression that
finds the same words (each query word starts a word of the name).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Q
from django.urls import reverse

from transferwatch.agencies.models import Agency, Facility
from transferwatch.audit.services import record
from transferwatch.cases.models import Allegation, Inquiry, InvolvedPerson
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.meetings.models import Meeting
from transferwatch.search.query import Query, words_of
from transferwatch.transfers.models import Person, TransferRequest

LIMIT = 20  # rows shown of each kind; more means the query should be narrower
REVEAL_PERSON = ("transfers.view_person", "transfers.reveal_person")
# Who may see the people named in an allegation (cases/views.py: the allegation reveal).
REVEAL_ALLEGATION_PEOPLE = ("cases.view_allegation", "cases.change_allegation")
PERSON_FIELDS = {"a_number": ["a_number"], "name_birth_date": ["name", "birth_date"]}


@dataclass
class Hit:
    label: str
    url: str
    detail: str = ""
    exact: bool = False  # named by its whole record number (or ORI)


@dataclass
class Group:
    kind: str
    title: str
    hits: list[Hit]
    more: bool = False


@dataclass
class PersonHit:
    person: Person
    requests: int
    url: str


@dataclass
class Results:
    query: Query
    groups: list[Group] = field(default_factory=list)
    people: list[PersonHit] = field(default_factory=list)
    people_more: bool = False
    # "searched", "not_permitted" (the query names a person; the role may not look people up)
    # or "" (the query does not name a person).
    people_search: str = ""

    @property
    def count(self) -> int:
        return sum(len(g.hits) for g in self.groups) + len(self.people)

    def only_exact_hit(self) -> Hit | None:
        """The one record found, when it was named by its whole number: the search goes there."""
        if self.people_search == "searched" or self.count != 1:
            return None
        hit = next(h for g in self.groups for h in g.hits)
        return hit if hit.exact else None


def may_search_people(user: Any) -> bool:
    return bool(user.has_perms(REVEAL_PERSON))


def a_number_forms(nine: str) -> list[str]:
    """The ways an A-number is stored: with or without 'A', eight digits or nine."""
    forms = {nine, "A" + nine}
    if nine.startswith("0"):
        forms |= {nine[1:], "A" + nine[1:]}
    return sorted(forms)


def name_matches(words: tuple[str, ...], name: str) -> bool:
    """Every word of the query is a whole word of the name, in any order, any case; and the query
    has two words of it at least (a given name and a surname), or all of a one-word name."""
    wanted, has = set(words), set(words_of(name))
    return wanted <= has and (len(wanted) >= 2 or wanted == has)


def words_filter(queryset: models.QuerySet[Any], column: str, words: tuple[str, ...]) -> Any:
    """Rows whose `column` has, for each word, a word starting with it.

    PostgreSQL: to_tsvector('simple', column) @@ to_tsquery('simple', 'w1:* & w2:*'), served by a
    GIN index on the same expression. Elsewhere (SQLite): a case-insensitive regular expression
    per word, anchored at the start of a word, which finds the same rows.
    """
    if not words:
        return queryset.none()
    if _vendor(queryset) == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        # The words hold letters and digits only (query.words_of), so nothing in them is an
        # operator of the tsquery syntax.
        tsquery = " & ".join(f"{w}:*" for w in words)
        return queryset.annotate(_words=SearchVector(column, config="simple")).filter(
            _words=SearchQuery(tsquery, search_type="raw", config="simple")
        )
    condition = Q()
    for w in words:
        condition &= Q(**{f"{column}__iregex": r"(?<![^\W_])" + re.escape(w)})
    return queryset.filter(condition)


def _vendor(queryset: models.QuerySet[Any]) -> str:
    from django.db import connections

    return str(connections[queryset.db].vendor)


def _take(rows: Any) -> tuple[list[Any], bool]:
    """The first LIMIT rows, and whether there are more."""
    if isinstance(rows, models.QuerySet):
        rows = rows[: LIMIT + 1]
    taken = list(itertools.islice(rows, LIMIT + 1))
    return taken[:LIMIT], len(taken) > LIMIT


def _records(user: Any, q: Query) -> list[Group]:
    groups: list[Group] = []

    def add(kind: str, title: str, hits: list[Hit], more: bool = False) -> None:
        if hits:
            groups.append(Group(kind, title, hits, more))

    for number in q.numbers:
        if number.kind == "allegation":
            rows = Allegation.objects.visible_to(user).select_related("agency")
        elif number.kind == "inquiry":
            rows = Inquiry.objects.visible_to(user).select_related("agency")
        elif number.kind == "pdrequest":
            rows = PDRequest.objects.visible_to(user).select_related("aor")
        else:
            rows = Escalation.objects.visible_to(user).select_related("agency")
        if number.exact:
            rows = rows.filter(number=number.value)
        else:
            rows = rows.filter(number__startswith=number.value).order_by("-number")
        found, more = _take(rows)
        hits = [_number_hit(number.kind, r, number.exact) for r in found]
        add(number.kind, TITLES[number.kind], hits, more)

    if q.transfer_id:
        found = list(
            TransferRequest.objects.visible_to(user)
            .select_related("aor", "agency")
            .filter(pk=q.transfer_id)
        )
        add(
            "transfer",
            TITLES["transfer"],
            [
                Hit(
                    f"Transfer request #{t.pk}",
                    reverse("transfer_detail", args=[t.pk]),
                    f"{t.get_request_type_display()}, {t.request_date:%Y-%m-%d}, "
                    f"{t.agency.name if t.agency else 'no agency'} ({t.aor.code})",
                    exact=True,
                )
                for t in found
            ],
        )
    if q.measure_id:
        measures = list(
            RemedialMeasure.objects.visible_to(user)
            .select_related("agency")
            .filter(pk=q.measure_id)
        )
        add(
            "measure",
            TITLES["measure"],
            [
                Hit(
                    f"Remedial measure #{m.pk}",
                    reverse("measure_detail", args=[m.pk]),
                    f"{m.get_kind_display()}, {m.agency.name}: {m.get_status_display()}",
                    exact=True,
                )
                for m in measures
            ],
        )
    if q.quarter or q.meeting_date:
        meetings = Meeting.objects.visible_to(user)
        if q.quarter:
            meetings = meetings.filter(quarter=q.quarter)
        else:
            meetings = meetings.filter(date=q.meeting_date)
        found, more = _take(meetings)
        hits = [
            Hit(
                str(m),
                reverse("meeting_detail", args=[m.pk]),
                f"{m.date:%Y-%m-%d}, {m.get_status_display()}",
                exact=True,
            )
            for m in found
        ]
        add("meeting", TITLES["meeting"], hits, more)
    return groups


TITLES = {
    "allegation": "Allegations",
    "inquiry": "Inquiries",
    "pdrequest": "PD requests",
    "escalation": "Notifications and referrals",
    "transfer": "Transfer requests",
    "measure": "Remedial measures",
    "meeting": "Meetings",
    "agency": "Agencies",
    "facility": "Facilities",
    "person_allegation": "Allegations naming the person",
}


def _number_hit(kind: str, r: Any, exact: bool) -> Hit:
    if kind == "allegation":
        url = reverse("allegation_detail", args=[r.number])
        where = r.agency.name if r.agency else (r.agency_text or "agency not named")
    elif kind == "inquiry":
        url = reverse("inquiry_detail", args=[r.number])
        where = r.agency.name if r.agency else "no agency"
    elif kind == "pdrequest":
        url = reverse("pd_detail", args=[r.pk])
        where = r.aor.name
    else:
        url = reverse("escalation_detail", args=[r.pk])
        where = f"{r.get_kind_display()}, {r.agency.name}"
    return Hit(r.number, url, f"{r.get_status_display()}, {where}", exact=exact)


def _places(user: Any, q: Query) -> list[Group]:
    groups: list[Group] = []
    if not (q.words or q.ori or q.code):
        return groups
    agencies = Agency.objects.visible_to(user)
    matched = Q(pk__in=words_filter(agencies, "name", q.words).values("pk"))
    if q.ori:
        matched |= Q(ori__startswith=q.ori)
    if q.words or q.ori:
        found, more = _take(agencies.filter(matched).select_related("aor").order_by("name", "ori"))
        hits = [
            Hit(
                a.name,
                reverse("agency_detail", args=[a.ori]),
                f"ORI {a.ori}, {a.state}" + (f", {a.aor.name}" if a.aor else ""),
                exact=a.ori == q.ori,
            )
            for a in found
        ]
        if hits:
            groups.append(Group("agency", TITLES["agency"], hits, more))

    if user.has_perm("agencies.view_agency"):
        facilities = Facility.objects.filter(agency__in=agencies)
        if not user.is_area_scoped:
            facilities = Facility.objects.filter(Q(agency__in=agencies) | Q(agency__isnull=True))
        matched = Q(pk__in=words_filter(facilities, "name", q.words).values("pk"))
        if q.code:
            matched |= Q(code__iexact=q.code)
        found, more = _take(
            facilities.filter(matched).select_related("agency").order_by("name", "state")
        )
        may_edit = user.has_perm("agencies.change_facility")
        hits = []
        for f in found:
            if may_edit:
                url = reverse("facility_detail", args=[f.pk])
            elif f.agency is not None:
                url = reverse("agency_detail", args=[f.agency.ori])
            else:
                url = ""
            detail = ", ".join(
                part
                for part in (
                    f"code {f.code}" if f.code else "",
                    f.city,
                    f.state,
                    f"run by {f.agency.name}" if f.agency else "agency not known",
                )
                if part
            )
            hits.append(Hit(f.name, url, detail))
        if hits:
            groups.append(Group("facility", TITLES["facility"], hits, more))
    return groups


def _people(user: Any, q: Query, results: Results) -> None:
    """People matching the query, each match recorded in the audit log as a reveal."""
    people = Person.objects.visible_to(user)
    involved = InvolvedPerson.objects.all()
    if q.person_kind == "a_number":
        forms = a_number_forms(q.a_number)
        found, more = _take(people.filter(a_number__in=forms).order_by("pk"))
        named = involved.filter(a_number__in=forms)
    else:
        # The date of birth is indexed and narrows to a few dozen people a day; the names are
        # compared here, in Python, alike on every database (SQLite's LIKE folds ASCII only).
        candidates = people.filter(birth_date=q.birth_date).order_by("pk")
        found, more = _take(p for p in candidates if name_matches(q.name_words, p.name))
        named = involved.filter(birth_date=q.birth_date).only("pk", "name")
        named_ids = [i.pk for i in named if name_matches(q.name_words, i.name)]
        named = InvolvedPerson.objects.filter(pk__in=named_ids)

    allegations: list[Allegation] = []
    if user.has_perms(REVEAL_ALLEGATION_PEOPLE):
        # The ids first: with the newest-first order and a limit in one query, PostgreSQL may walk
        # every allegation by date looking for one that names nobody found.
        ids = list(named.values_list("allegation_id", flat=True)[:1000])
        allegations = list(
            Allegation.objects.visible_to(user)
            .filter(pk__in=ids)
            .select_related("agency")
            .order_by("-received_at")[:LIMIT]
        )
    counts = dict(
        TransferRequest.objects.visible_to(user)
        .filter(person__in=[p.pk for p in found])
        .values_list("person_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    fields = PERSON_FIELDS[q.person_kind]
    with transaction.atomic():
        for p in found:
            record(
                "transfers.person.revealed",
                p,
                actor=user,
                changes={"fields": fields, "via": "search"},
            )
        for a in allegations:
            record(
                "cases.allegation.people_revealed",
                a,
                actor=user,
                changes={"fields": fields, "via": "search"},
            )
        if not found and not allegations:
            record(
                "search.people.no_match",
                actor=user,
                changes={"by": q.person_kind},
                object_type="transfers.person",
            )
    results.people = [
        PersonHit(p, counts.get(p.pk, 0), reverse("person_detail", args=[p.pk])) for p in found
    ]
    results.people_more = more
    if allegations:
        results.groups.append(
            Group(
                "person_allegation",
                TITLES["person_allegation"],
                [_number_hit("allegation", a, exact=False) for a in allegations],
            )
        )


def search(user: Any, q: Query) -> Results:
    """Everything the user may see that the query names, in the user's scope."""
    results = Results(query=q)
    if q.is_empty:
        return results
    results.groups = _records(user, q) + _places(user, q)
    if q.person_kind:
        if may_search_people(user):
            results.people_search = "searched"
            _people(user, q, results)
        else:
            results.people_search = "not_permitted"
    return results
