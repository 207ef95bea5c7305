"""OSDI petitions (petition actions), their signatures, and the record signature helper.

The helper signs through `submissions.signing.sign`, so a signature made over the API is
counted, confirmed by email and deduplicated exactly as one made on the petition's page.
"""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from campaigns.api.v1 import actions as api_actions
from campaigns.api.v1 import bp
from campaigns.api.v1.hal import (
    ApiError,
    collection,
    hal_response,
    identifier,
    iso,
    json_body,
    link,
    paginate,
    parse_filter,
)
from campaigns.api.v1.people import changes_from, email_from, person_or_404
from campaigns.extensions import db
from campaigns.models import Action, ActionKind, Submission
from campaigns.submissions.signing import ActionClosed, Signer, sign
from campaigns.supporters import people
from campaigns.tracking import counts

# A signature changes when it is confirmed; confirmation never comes before signing.
SIGNATURE_MODIFIED = func.coalesce(Submission.confirmed_at, Submission.created_at)


def _petitions():
    return api_actions.of_kind(ActionKind.petition)


def petition_or_404(petition_id: str) -> Action:
    return api_actions.action_or_404(ActionKind.petition, petition_id, "petition")


def petition_json(action: Action, total: int) -> dict:
    content = action.content(action.default_locale)
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    return {
        "identifiers": identifier(action.uuid),
        "created_date": iso(action.created_at),
        "modified_date": iso(action.updated_at),
        "title": content.title if content else action.slug,
        "description": content.body if content else "",
        "browser_url": f"{public_url}/a/{action.slug}",
        "status": action.campaign.status.value,
        "total_signatures": total,
        "_links": {
            "self": link("api_v1.petition", petition_id=action.uuid),
            "osdi:signatures": link("api_v1.signatures", petition_id=action.uuid),
            "osdi:record_signature_helper": link(
                "api_v1.record_signature_helper", petition_id=action.uuid
            ),
        },
    }


def signature_json(submission: Submission, petition_uuid: str, person_uuid: str) -> dict:
    return {
        "identifiers": identifier(submission.uuid),
        "created_date": iso(submission.created_at),
        "modified_date": iso(submission.confirmed_at or submission.created_at),
        "comments": submission.comment,
        "confirmed": submission.confirmed_at is not None,
        "referrer_data": {"source": submission.source},
        "_links": {
            "self": link(
                "api_v1.signature", petition_id=petition_uuid, signature_id=submission.uuid
            ),
            "osdi:petition": link("api_v1.petition", petition_id=petition_uuid),
            "osdi:person": link("api_v1.person", person_id=person_uuid),
        },
    }


def _totals(actions: list[Action]) -> dict[int, int]:
    """Public totals from the hourly buckets: the same number the petition's page shows."""
    found = counts.for_actions([a.id for a in actions])
    return {a.id: found[a.id].counted(a.requires_confirmation) for a in actions}


def _signatures_json(page_rows: list[Submission]) -> list[dict]:
    return [signature_json(s, s.action.uuid, s.supporter.uuid) for s in page_rows]


@bp.get("/petitions")
def petitions():
    query = _petitions().where(*parse_filter(request.args.get("filter"), Action.updated_at))
    page = paginate(query, Action.id)
    totals = _totals(page.rows)
    items = [petition_json(a, totals[a.id]) for a in page.rows]
    return hal_response(collection(page, "osdi:petitions", "api_v1.petitions", items))


@bp.get("/petitions/<petition_id>")
def petition(petition_id: str):
    action = petition_or_404(petition_id)
    return hal_response(petition_json(action, _totals([action])[action.id]))


def _signature_query(*conditions):
    return (
        select(Submission)
        .options(joinedload(Submission.action), joinedload(Submission.supporter))
        .where(*conditions, *parse_filter(request.args.get("filter"), SIGNATURE_MODIFIED))
    )


@bp.get("/petitions/<petition_id>/signatures")
def signatures(petition_id: str):
    action = petition_or_404(petition_id)
    page = paginate(_signature_query(Submission.action_id == action.id), Submission.id)
    return hal_response(
        collection(
            page,
            "osdi:signatures",
            "api_v1.signatures",
            _signatures_json(page.rows),
            petition_id=petition_id,
        )
    )


@bp.get("/people/<person_id>/signatures")
def person_signatures(person_id: str):
    supporter = person_or_404(person_id)
    query = (
        _signature_query(Submission.supporter_id == supporter.id)
        .join(Action, Action.id == Submission.action_id)
        .where(Action.kind == ActionKind.petition)
    )
    page = paginate(query, Submission.id)
    return hal_response(
        collection(
            page,
            "osdi:signatures",
            "api_v1.person_signatures",
            _signatures_json(page.rows),
            person_id=person_id,
        )
    )


@bp.get("/petitions/<petition_id>/signatures/<signature_id>")
def signature(petition_id: str, signature_id: str):
    action = petition_or_404(petition_id)
    submission = db.session.scalars(
        select(Submission).where(Submission.uuid == signature_id, Submission.action_id == action.id)
    ).first()
    if submission is None:
        raise ApiError(404, "no such signature")
    return hal_response(signature_json(submission, action.uuid, submission.supporter.uuid))


@bp.post("/petitions/<petition_id>/record_signature_helper")
def record_signature_helper(petition_id: str):
    action = petition_or_404(petition_id)
    body = json_body()
    person = body.get("person")
    if not isinstance(person, dict):
        raise ApiError(400, "the body must hold a person object")
    email, subscribe = email_from(person)
    changes = changes_from(person)
    comments = body.get("comments", "")
    if not isinstance(comments, str) or len(comments) > 5000:
        raise ApiError(400, "comments must be a string of at most 5000 characters")
    referrer = body.get("referrer_data") or {}
    source = referrer.get("source", "") if isinstance(referrer, dict) else None
    if not isinstance(source, str):
        raise ApiError(400, "referrer_data.source must be a string")
    try:
        email = people.check_email(email)
        people.check(changes)
    except people.PersonInvalid as exc:
        raise ApiError(400, str(exc)) from None
    existing = people.find(g.organization_id, email)
    signer = Signer(
        first_name=changes.first_name or (existing.first_name if existing else ""),
        last_name=changes.last_name or (existing.last_name if existing else ""),
        email=email,
        postcode=changes.postcode or "",
        city=changes.city or "",
        comment=comments,
        subscribe=subscribe,
        source=(source or "api")[:64],
        locale=changes.locale or (existing.locale if existing else action.default_locale),
    )
    try:
        result = sign(action, signer)
    except ActionClosed:
        raise ApiError(409, "this petition is not open for signatures") from None
    db.session.expire_all()
    submission = result.submission
    document = signature_json(submission, action.uuid, submission.supporter.uuid)
    return hal_response(
        document,
        201 if result.created else 200,
        {"Location": document["_links"]["self"]["href"]},
    )
