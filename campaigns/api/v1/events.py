"""OSDI events (event actions) and attendances (their RSVPs).

An OSDI event has one start and one end; ours has shifts. `start_date` is the first shift's
start and `end_date` the last shift's end, so a client that knows only OSDI sees the span
the event covers, and every shift is listed in `campaigns:shifts` with its own times, place,
capacity and count. An attendance is one RSVP, to one shift (named in `campaigns:shift`).

RSVP statuses map to OSDI's attendance `status`: attending is "accepted", waitlisted is
"tentative" (they may yet get a place) and cancelled is "declined"; `campaigns:status` keeps
ours.
"""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from campaigns.api.v1 import actions as api_actions
from campaigns.api.v1 import bp
from campaigns.api.v1.hal import (
    ApiError,
    base_url,
    collection,
    hal_response,
    identifier,
    iso,
    paginate,
    parse_filter,
)
from campaigns.api.v1.people import person_or_404
from campaigns.events import rsvps as event_service
from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Rsvp, RsvpStatus, Shift, Submission

OSDI_STATUS = {
    RsvpStatus.attending: "accepted",
    RsvpStatus.waitlisted: "tentative",
    RsvpStatus.cancelled: "declined",
}
# An RSVP changes when it is cancelled, when it is promoted off the waitlist, or when a
# cancelled place is taken up again (which resets created_at and clears cancelled_at).
RSVP_MODIFIED = func.coalesce(
    Rsvp.cancelled_at,
    case((Rsvp.promoted_at > Rsvp.created_at, Rsvp.promoted_at), else_=Rsvp.created_at),
)


def _events():
    return api_actions.of_kind(ActionKind.event)


def event_or_404(event_id: str) -> Action:
    return api_actions.action_or_404(ActionKind.event, event_id, "event")


def _shifts_by_event(actions: list[Action]) -> dict[int, list[Shift]]:
    """The shifts of a page of events in one query, in time order."""
    found: dict[int, list[Shift]] = {a.id: [] for a in actions}
    if found:
        for shift in db.session.scalars(
            select(Shift)
            .where(Shift.action_id.in_(list(found)))
            .order_by(Shift.starts_at, Shift.id)
        ):
            found[shift.action_id].append(shift)
    return found


def shift_json(shift: Shift, attending: int) -> dict:
    location = {"venue": shift.place} if shift.place else {}
    return {
        "identifiers": identifier(shift.uuid),
        "start_date": iso(shift.starts_at),
        "end_date": iso(shift.ends_at),
        "location": location,
        "online_url": shift.online_url or None,
        "capacity": shift.capacity,
        "total_accepted": attending,
    }


def event_json(action: Action, shifts: list[Shift], attending: dict[int, int], base: str) -> dict:
    content = action.content(action.default_locale)
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    href = f"{base}/events/{action.uuid}"
    return {
        "identifiers": identifier(action.uuid),
        "created_date": iso(action.created_at),
        "modified_date": iso(action.updated_at),
        "title": content.title if content else action.slug,
        "description": content.body if content else "",
        "browser_url": f"{public_url}/a/{action.slug}",
        "status": action.campaign.status.value,
        "start_date": iso(min(s.starts_at for s in shifts)) if shifts else None,
        "end_date": iso(max(s.ends_at for s in shifts)) if shifts else None,
        "capacity": sum(s.capacity for s in shifts),
        "total_accepted": sum(attending[s.id] for s in shifts),
        "campaigns:shifts": [shift_json(s, attending[s.id]) for s in shifts],
        "_links": {
            "self": {"href": href},
            "osdi:attendances": {"href": f"{href}/attendances"},
        },
    }


def _events_json(actions: list[Action]) -> list[dict]:
    by_event = _shifts_by_event(actions)
    attending = event_service.attending_counts(
        [s.id for shifts in by_event.values() for s in shifts]
    )
    base = base_url()
    return [event_json(a, by_event[a.id], attending, base) for a in actions]


def _modified(rsvp: Rsvp):
    """RSVP_MODIFIED, for one loaded RSVP."""
    if rsvp.cancelled_at is not None:
        return rsvp.cancelled_at
    if rsvp.promoted_at is not None and rsvp.promoted_at > rsvp.created_at:
        return rsvp.promoted_at
    return rsvp.created_at


def attendance_json(rsvp: Rsvp, base: str | None = None) -> dict:
    """An RSVP with its shift, submission, action and supporter loaded."""
    base = base or base_url()
    event_href = f"{base}/events/{rsvp.shift.action.uuid}"
    return {
        "identifiers": identifier(rsvp.uuid),
        "created_date": iso(rsvp.created_at),
        "modified_date": iso(_modified(rsvp)),
        "status": OSDI_STATUS[rsvp.status],
        "campaigns:status": rsvp.status.value,
        "campaigns:shift": {
            "identifiers": identifier(rsvp.shift.uuid),
            "start_date": iso(rsvp.shift.starts_at),
            "end_date": iso(rsvp.shift.ends_at),
        },
        "_links": {
            "self": {"href": f"{event_href}/attendances/{rsvp.uuid}"},
            "osdi:event": {"href": event_href},
            "osdi:person": {"href": f"{base}/people/{rsvp.submission.supporter.uuid}"},
        },
    }


def _attendance_query(*conditions):
    return (
        select(Rsvp)
        .join(Shift, Shift.id == Rsvp.shift_id)
        .join(Submission, Submission.id == Rsvp.submission_id)
        .options(
            joinedload(Rsvp.shift).joinedload(Shift.action),
            joinedload(Rsvp.submission).joinedload(Submission.supporter),
        )
        .where(*conditions)
    )


def _attendance_list(*conditions):
    return _attendance_query(*conditions, *parse_filter(request.args.get("filter"), RSVP_MODIFIED))


@bp.get("/events")
def events():
    query = (
        _events()
        .where(*parse_filter(request.args.get("filter"), Action.updated_at))
        # Each event shows its campaign's status and its text: loaded with the page (the
        # campaign from the join already made) instead of two lazy loads per event.
        .options(contains_eager(Action.campaign), selectinload(Action.translations))
    )
    page = paginate(query, Action.id)
    return hal_response(collection(page, "osdi:events", "api_v1.events", _events_json(page.rows)))


@bp.get("/events/<event_id>")
def event(event_id: str):
    return hal_response(_events_json([event_or_404(event_id)])[0])


@bp.get("/events/<event_id>/attendances")
def attendances(event_id: str):
    action = event_or_404(event_id)
    page = paginate(_attendance_list(Shift.action_id == action.id), Rsvp.id)
    base = base_url()
    items = [attendance_json(r, base) for r in page.rows]
    return hal_response(
        collection(page, "osdi:attendances", "api_v1.attendances", items, event_id=event_id)
    )


@bp.get("/events/<event_id>/attendances/<attendance_id>")
def attendance(event_id: str, attendance_id: str):
    action = event_or_404(event_id)
    rsvp = db.session.scalars(
        _attendance_query(Shift.action_id == action.id, Rsvp.uuid == attendance_id)
    ).first()
    if rsvp is None:
        raise ApiError(404, "no such attendance")
    return hal_response(attendance_json(rsvp))


@bp.get("/people/<person_id>/attendances")
def person_attendances(person_id: str):
    supporter = person_or_404(person_id)
    page = paginate(_attendance_list(Submission.supporter_id == supporter.id), Rsvp.id)
    base = base_url()
    items = [attendance_json(r, base) for r in page.rows]
    return hal_response(
        collection(
            page, "osdi:attendances", "api_v1.person_attendances", items, person_id=person_id
        )
    )
