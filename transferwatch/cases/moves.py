"""The lifecycle moves of allegations and inquiries (DOMAIN.md section 6), for `workflow.move`.

Allegation: received -> triaged -> retained (opens an inquiry) | referred (the other office's
answer recorded later) | merged (into another allegation) | closed_no_action (reason). While
triaged, an allegation may be linked to related ones.

Inquiry: open -> investigating (plan) -> findings -> recommendations_sent -> (a response per
recommendation) response_received -> closed (supervisor only); closed -> investigating (reopen,
with a reason). Findings may also be closed directly when there is nothing to recommend.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from transferwatch.agencies.models import Agency
from transferwatch.cases.models import Allegation, Inquiry, Recommendation
from transferwatch.lib import workflow
from transferwatch.lib.workflow import Move

TRIAGE = "cases.triage_allegation"
WORK = "cases.change_inquiry"
CLOSE = "cases.close_inquiry"


def _other(allegation: Allegation, user: Any, data: dict[str, Any]) -> Allegation | str:
    """The allegation named by data["other"] (a record number), or why it cannot be used."""
    number = str(data.get("other", "")).strip().upper()
    if not number:
        return "name the other allegation by its record number"
    other = Allegation.objects.visible_to(user).filter(number=number).first()
    if other is None:
        return f"there is no allegation {number}"
    if other.pk == allegation.pk:
        return "an allegation cannot be linked or merged with itself"
    return other


# Checks run on the locked row with the move's form data; apply runs after the checks passed.
# When a page asks which buttons to show, checks get PREVIEW and skip what depends on the form.
PREVIEW: dict[str, Any] = {"_preview": True}


def _check_agency(a: Allegation, user: Any, data: dict[str, Any]) -> str | None:
    ori = str(data.get("agency", "")).strip().upper()
    if ori and not Agency.objects.filter(ori=ori).exists():
        return f"there is no agency with ORI {ori}"
    return None


def _apply_triage(a: Allegation, user: Any, text: str, data: dict[str, Any]) -> None:
    ori = str(data.get("agency", "")).strip().upper()
    if ori:
        a.agency = Agency.objects.get(ori=ori)


def _check_other(a: Allegation, user: Any, data: dict[str, Any]) -> str | None:
    if data.get("_preview"):
        return None
    other = _other(a, user, data)
    if isinstance(other, str):
        return other
    if data.get("merge") and other.status == "merged":
        return f"{other.number} was itself merged; merge into {other.merged_into} instead"
    return None


def _apply_link(a: Allegation, user: Any, text: str, data: dict[str, Any]) -> None:
    other = _other(a, user, data)
    if isinstance(other, Allegation):
        a.related.add(other)


def _apply_merge(a: Allegation, user: Any, text: str, data: dict[str, Any]) -> None:
    other = _other(a, user, {**data, "merge": True})
    if isinstance(other, Allegation):
        a.merged_into = other
        a.related.add(other)


def _check_retain(a: Allegation, user: Any, data: dict[str, Any]) -> str | None:
    from transferwatch.cases.services import investigators

    if not user.has_perm("cases.add_inquiry"):
        return "your role may not open inquiries"
    if data.get("_preview"):
        return None
    if not investigators().filter(pk=data.get("investigator") or 0).exists():
        return "choose the investigator who will run the inquiry"
    return None


def _apply_retain(a: Allegation, user: Any, text: str, data: dict[str, Any]) -> None:
    inquiry = Inquiry.objects.create(
        allegation=a, agency=a.agency, investigator_id=int(data["investigator"])
    )
    workflow.created(inquiry, user, f"Opened for allegation {a.number}.")


def _check_refer(a: Allegation, user: Any, data: dict[str, Any]) -> str | None:
    if not data.get("_preview") and not str(data.get("office", "")).strip():
        return "name the office the allegation is referred to"
    return None


def _apply_refer(a: Allegation, user: Any, text: str, data: dict[str, Any]) -> None:
    a.referred_to = str(data["office"]).strip()[:200]


def _apply_referral_answer(a: Allegation, user: Any, text: str, data: dict[str, Any]) -> None:
    a.referral_answer = text
    a.referral_answered_at = timezone.now()


def _apply_close(a: Allegation, user: Any, text: str, data: dict[str, Any]) -> None:
    a.outcome_text = text


ALLEGATION_MOVES: dict[str, Move] = {
    "triage": Move(
        ("received",),
        "triaged",
        TRIAGE,
        "Triage",
        check=_check_agency,
        apply=_apply_triage,
        fields=("agency",),
    ),
    "link": Move(
        ("triaged",),
        "triaged",
        TRIAGE,
        "Link to a related allegation",
        check=_check_other,
        apply=_apply_link,
        button="secondary",
        fields=("other",),
    ),
    "merge": Move(
        ("triaged",),
        "merged",
        TRIAGE,
        "Merge into another allegation",
        check=lambda a, u, d: _check_other(a, u, {**d, "merge": True}),
        apply=_apply_merge,
        button="secondary",
        fields=("other",),
    ),
    "retain": Move(
        ("triaged",),
        "retained",
        TRIAGE,
        "Retain for a CRCL inquiry",
        check=_check_retain,
        apply=_apply_retain,
        fields=("investigator",),
    ),
    "refer": Move(
        ("triaged",),
        "referred",
        TRIAGE,
        "Refer to another office",
        check=_check_refer,
        apply=_apply_refer,
        button="secondary",
        fields=("office",),
    ),
    "referral_answer": Move(
        ("referred",),
        "referred",
        TRIAGE,
        "Record the other office's answer",
        needs_text=True,
        apply=_apply_referral_answer,
    ),
    "close_no_action": Move(
        ("triaged",),
        "closed_no_action",
        TRIAGE,
        "Close with no action",
        needs_text=True,
        apply=_apply_close,
        button="secondary",
    ),
}


def _apply_plan(i: Inquiry, user: Any, text: str, data: dict[str, Any]) -> None:
    i.plan = text


def _apply_findings(i: Inquiry, user: Any, text: str, data: dict[str, Any]) -> None:
    i.findings = text


def _check_recommendations(i: Inquiry, user: Any, data: dict[str, Any]) -> str | None:
    if not i.recommendations.exists():
        return "add at least one recommendation first"
    if not settings.MAIL_TO.get("component"):
        return (
            "no e-mail address is set for the component: add component=ADDRESS to "
            "TRANSFERWATCH_MAIL_TO"
        )
    return None


def recommendations_text(i: Inquiry) -> str:
    """The recommendations as the plain-text document e-mailed to the component."""
    agency = f"{i.agency.name} ({i.agency.ori})" if i.agency else "not named"
    lines = [
        f"CRCL inquiry {i.number}: recommendations",
        f"Agency: {agency}",
        f"Sent: {timezone.localdate():%Y-%m-%d}",
        "",
    ]
    for r in i.recommendations.order_by("number"):
        lines += [f"Recommendation {r.number}", r.text.strip(), ""]
    lines.append(
        "Please answer each recommendation (concur, partially concur or non-concur, with your "
        f"reasons), citing inquiry {i.number} and the recommendation's number."
    )
    return "\n".join(lines) + "\n"


def _apply_send_recommendations(i: Inquiry, user: Any, text: str, data: dict[str, Any]) -> None:
    """E-mail the recommendations to the component once the move commits (outbox keeps it)."""
    from transferwatch.notifications.services import queue

    queue(
        "recommendations",
        i,
        to=[settings.MAIL_TO["component"]],
        subject=f"CRCL recommendations, inquiry {i.number}",
        body=(
            f"CRCL sends the recommendations of inquiry {i.number} in the attached file. "
            "Please record your response to each, citing the inquiry number.\n"
        ),
        attachments=[
            (f"{i.number}-recommendations.txt", recommendations_text(i).encode(), "text/plain")
        ],
        url=reverse("inquiry_detail", args=[i.number]),
    )


def _check_respond(i: Inquiry, user: Any, data: dict[str, Any]) -> str | None:
    if data.get("_preview"):
        return None
    if data.get("response") not in ("concur", "partial", "non_concur"):
        return "choose concur, partially concur or non-concur"
    if not i.recommendations.filter(number=data.get("recommendation") or 0).exists():
        return "choose one of the inquiry's recommendations"
    return None


def _apply_respond(i: Inquiry, user: Any, text: str, data: dict[str, Any]) -> None:
    Recommendation.objects.filter(inquiry=i, number=data["recommendation"]).update(
        response=data["response"],
        response_text=text,
        response_at=timezone.now(),
        recorded_by=user,
    )


def _check_all_responded(i: Inquiry, user: Any, data: dict[str, Any]) -> str | None:
    if not i.recommendations.exists() or i.recommendations.filter(response="").exists():
        return "record the component's response to every recommendation first"
    return None


def _apply_close_inquiry(i: Inquiry, user: Any, text: str, data: dict[str, Any]) -> None:
    i.closed_at = timezone.now()
    i.closed_by = user


def _apply_reopen(i: Inquiry, user: Any, text: str, data: dict[str, Any]) -> None:
    i.closed_at = None
    i.closed_by = None


INQUIRY_MOVES: dict[str, Move] = {
    "start": Move(
        ("open",), "investigating", WORK, "Start the investigation", needs_text=True,
        apply=_apply_plan, fields=("plan",),
    ),
    "findings": Move(
        ("investigating",), "findings", WORK, "Record the findings", needs_text=True,
        apply=_apply_findings, fields=("findings",),
    ),
    "send_recommendations": Move(
        ("findings",), "recommendations_sent", WORK, "Send the recommendations to the component",
        check=_check_recommendations, apply=_apply_send_recommendations,
    ),
    "respond": Move(
        ("recommendations_sent",), "recommendations_sent", WORK,
        "Record the component's response to a recommendation", needs_text=True,
        check=_check_respond, apply=_apply_respond, button="secondary",
        fields=("recommendation", "response"),
    ),
    "responses_complete": Move(
        ("recommendations_sent",), "response_received", WORK,
        "Mark the component's response as received", check=_check_all_responded,
    ),
    "close": Move(
        ("response_received", "findings"), "closed", CLOSE, "Close the inquiry",
        apply=_apply_close_inquiry,
    ),
    "reopen": Move(
        ("closed",), "investigating", WORK, "Reopen the inquiry", needs_text=True,
        apply=_apply_reopen, button="secondary",
    ),
}  # fmt: skip


def available(moves: dict[str, Move], obj: Any, user: Any, visible: Any) -> list[tuple[str, Move]]:
    """The moves `user` may take on `obj` now, for showing their forms."""
    if not visible(user).filter(pk=obj.pk).exists():
        return []
    return [
        (name, m)
        for name, m in moves.items()
        if obj.status in m.sources
        and user.has_perm(m.permission)
        and (m.check is None or m.check(obj, user, PREVIEW) is None)
    ]


def allegation_move(
    allegation: Allegation, action: str, user: Any, text: str = "", **data: Any
) -> Any:
    return workflow.move(
        ALLEGATION_MOVES,
        allegation,
        action,
        user,
        visible=Allegation.objects.visible_to,
        text=text,
        data=data,
    )


def inquiry_move(inquiry: Inquiry, action: str, user: Any, text: str = "", **data: Any) -> Any:
    return workflow.move(
        INQUIRY_MOVES,
        inquiry,
        action,
        user,
        visible=Inquiry.objects.visible_to,
        text=text,
        data=data,
    )
