"""Letters to targets: the letter a supporter sees, and the messages it becomes.

A letter is written in the supporter's name but sent from the organization's own address
("Ana Ruiz via Local 42") with Reply-To the supporter, never a forged From.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from campaigns.directories.lookup import District, lookup
from campaigns.extensions import db
from campaigns.integrity import checks as integrity
from campaigns.letters import channels, delivery, postal
from campaigns.models import (
    Action,
    ActionTarget,
    ConstituentAddress,
    LetterSettings,
    LetterTemplate,
    Message,
    MessageStatus,
    Submission,
    Supporter,
    Target,
    utcnow,
)
from campaigns.submissions import signals
from campaigns.submissions.signing import Signer, SignResult, sign

MERGE_FIELD = re.compile(r"\{(\w+)\}")
MERGE_FIELDS = (
    "supporter_name",
    "supporter_first_name",
    "supporter_city",
    "supporter_postcode",
    "target_name",
    "target_title",
)


class LetterError(ValueError):
    """The letter cannot be sent as given; the message says why."""


class DistrictChoiceNeeded(LetterError):
    """The supporter's postcode lies in several districts: ask which they live in."""

    def __init__(self, postcode: str, districts: list[District]):
        self.postcode = postcode
        self.districts = districts
        keys = ", ".join(d.key for d in districts)
        super().__init__(
            f"postcode {postcode} lies in several districts ({keys}); choose the one you live in"
        )


@dataclass
class Letter:
    subject: str
    body: str


def merge(text: str, supporter: Supporter | Signer, target: Target) -> str:
    """Fill {supporter_name}, {target_title}, … in `text`; unknown fields stay as written."""
    values = {
        "supporter_name": f"{supporter.first_name} {supporter.last_name}".strip(),
        "supporter_first_name": supporter.first_name,
        "supporter_city": supporter.city or "",
        "supporter_postcode": supporter.postcode or "",
        "target_name": target.name,
        "target_title": target.title,
    }
    return MERGE_FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def settings_of(action: Action) -> LetterSettings:
    settings = db.session.get(LetterSettings, action.id)
    if settings is None:
        settings = LetterSettings(action_id=action.id)
    return settings


def template_for(action: Action, locale: str) -> LetterTemplate | None:
    templates = {
        t.locale: t
        for t in db.session.scalars(
            select(LetterTemplate).where(LetterTemplate.action_id == action.id)
        )
    }
    return (
        templates.get(locale)
        or templates.get(action.default_locale)
        or next(iter(templates.values()), None)
    )


def recipients(
    action: Action, postcode: str = "", districts: list[str] | None = None
) -> list[Target]:
    """Who the letter goes to (see `routes_to`)."""
    return [r.target for r in routes_to(action, postcode, districts)]


def routes_to(
    action: Action, postcode: str = "", districts: list[str] | None = None
) -> list[channels.Route]:
    """Who the letter goes to, and by which channel: the fixed targets that have one and,
    where the action looks targets up by postcode, those of the supporter's districts that
    have one; when nobody has a channel, the fallback.

    A postcode in several districts reaches all of them where the organizer chose so;
    otherwise only the `districts` the supporter picked, and without a pick
    `DistrictChoiceNeeded` is raised, unless the pick would change nobody's letter.
    """
    return routes_and_unreachable(action, postcode, districts)[0]


def routes_and_unreachable(
    action: Action, postcode: str = "", districts: list[str] | None = None
) -> tuple[list[channels.Route], list[channels.Route]]:
    """`routes_to`, and the routes of the targets addressed that no channel reaches (shown
    with their phone instead), from one lookup."""
    everyone = channels.routes(targets_of(action, postcode, districts))
    reachable = [r for r in everyone if r.deliverable]
    unreachable = [r for r in everyone if not r.deliverable]
    if reachable:
        return reachable, unreachable
    fallback = settings_of(action).fallback_target
    if fallback is None:
        return [], unreachable
    return [r for r in [channels.route(fallback)] if r.deliverable], unreachable


def addressed(action: Action, with_fallback: bool = False):
    """The condition that a Target is one of the action's: fixed, in its directory, or
    (`with_fallback`) its fallback."""
    settings = settings_of(action)
    fixed = select(ActionTarget.target_id).where(ActionTarget.action_id == action.id)
    conditions = [Target.id.in_(fixed)]
    if settings.directory_id is not None:
        conditions.append(Target.directory_id == settings.directory_id)
    if with_fallback and settings.fallback_target_id is not None:
        conditions.append(Target.id == settings.fallback_target_id)
    return or_(*conditions)


def targets_of(
    action: Action, postcode: str = "", districts: list[str] | None = None
) -> list[Target]:
    """Everyone the letter is addressed to, reachable or not (see `recipients`)."""
    settings = settings_of(action)
    fixed = list(
        db.session.scalars(
            select(Target)
            .join(ActionTarget, ActionTarget.target_id == Target.id)
            .where(ActionTarget.action_id == action.id)
            .order_by(ActionTarget.id)
        )
    )
    found = []
    if settings.directory_id is not None:
        found = _district_targets(settings, postcode, districts)
    # A senator is in every district of the state, and may also be a fixed target.
    return list({t.id: t for t in fixed + found}.values())


def asks_address(action: Action) -> bool:
    """Whether the letter form asks for a postal address: some target of the action (fixed
    or in its directory) can be written to through CWC here."""
    candidates = db.session.scalars(
        select(Target).where(addressed(action), Target.office_code.is_not(None)).limit(40)
    )
    return channels.reaches_congress(channels.routes(list(candidates)))


def _district_targets(
    settings: LetterSettings, postcode: str, districts: list[str] | None
) -> list[Target]:
    found = lookup(settings.directory_id, postcode)
    candidates = found.districts
    if not candidates:
        return []
    if settings.write_to_all_districts:
        chosen = candidates
    elif districts:
        strangers = sorted(set(districts) - set(found.keys))
        if strangers:
            raise LetterError(
                f"postcode {found.postcode} is not in {', '.join(strangers)}; "
                f"it is in {', '.join(found.keys)}"
            )
        chosen = [d for d in candidates if d.key in districts]
    elif len(candidates) == 1:
        chosen = candidates
    else:
        addressed = {
            frozenset(t.id for t in d.targets if channels.deliverable(t)) for d in candidates
        }
        if len(addressed) > 1:
            raise DistrictChoiceNeeded(found.postcode, candidates)
        # Each district leads to the same recipients (say only the senators can be reached,
        # or nobody can): asking would change nothing.
        chosen = candidates
    return [t for d in chosen for t in d.targets]


def sender_name(signer: Signer | Supporter, organization_name: str) -> str:
    return f"{signer.first_name} {signer.last_name} via {organization_name}".strip()


def send_letter(
    action: Action,
    signer: Signer,
    letter: Letter | None = None,
    districts: list[str] | None = None,
    now=None,
    address: postal.Address | None = None,
) -> SignResult:
    """Record the submission and one message per recipient, in one transaction.

    Letters wait (`held`) until the supporter confirms their email where the action
    requires it; otherwise they are queued at once. `letter` is the supporter's edit,
    ignored unless the action lets supporters edit. `districts` is the supporter's pick
    where their postcode lies in several (see `recipients`). `now` is the clock of the
    rate limits and the surge guard (tests pass their own). `address` is the postal address
    a letter to Congress needs (postal.AddressError says what to fix), kept until sent.
    """
    routes = routes_to(action, signer.postcode, districts)
    if not routes:
        raise LetterError(
            _l("Nobody this letter is addressed to can receive it from here. Please call them.")
        )
    offices = [r.target.office_code for r in routes if r.chamber]
    postal_address = None
    if offices:
        postal_address = postal.checked(_with_zip(address, signer.postcode), offices)
    targets = [r.target for r in routes]
    channel_of = {r.target.id: r.channel.value for r in routes}
    settings = settings_of(action)
    template = template_for(action, signer.locale)
    if template is None:
        raise LetterError(_l("This letter has no text yet."))
    if letter is None or not settings.editable:
        letter = Letter(template.subject, template.body)
    organization = action.campaign.organization
    status = MessageStatus.held if action.requires_confirmation else MessageStatus.queued

    action_id = action.id
    from_name = sender_name(signer, organization.name)

    edited = (letter.subject, letter.body) != (template.subject, template.body)
    screened = screened_word(f"{letter.subject}\n{letter.body}", settings) if edited else None

    organization_id = organization.id

    def write_messages(submission_id: int, verdict):
        now = utcnow()
        surge = surge_reason(organization_id, verdict)
        # A held signature's letters wait for its confirmation, as any unconfirmed one's do.
        waiting = MessageStatus.held if verdict.held else status
        holds = {
            target.id: hold_reason(settings, submission_id, target, screened, now, surge)
            for target in targets
        }
        messages = [
            Message(
                action_id=action_id,
                submission_id=submission_id,
                target_id=target.id,
                status=MessageStatus.review if holds[target.id] else waiting,
                hold_reason=holds[target.id],
                channel=channel_of[target.id],
                to_email=target.email or "",
                to_name=target.name,
                from_name=from_name,
                reply_to=signer.email.strip(),
                subject=merge(letter.subject, signer, target)[:300],
                body=merge(letter.body, signer, target),
                created_at=now,
                due_at=now,
            )
            for target in targets
        ]
        db.session.add_all(messages)
        if postal_address is not None:
            db.session.add(ConstituentAddress(submission_id=submission_id, **vars(postal_address)))
        db.session.flush()
        # Read now: the commit expires them.
        message_ids = [m.id for m in messages if m.status == MessageStatus.queued]
        if not message_ids:
            return None

        def enqueue_after_commit():
            delivery.queue_action_letters(action_id)

        return enqueue_after_commit

    return sign(action, signer, on_created=write_messages, now=now)


def _with_zip(address: postal.Address | None, postcode: str) -> postal.Address:
    """The address with the form's ZIP, which also chose the district."""
    given = address or postal.Address()
    return postal.Address(**(vars(given) | {"zip": postcode}))


def screened_word(text: str, settings: LetterSettings) -> str | None:
    """The first of the organizer's screened words found in `text`, as a whole word."""
    for word in (w.strip() for w in (settings.screen_words or "").splitlines()):
        if word and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            return word
    return None


def surge_reason(organization_id: int, verdict) -> str | None:
    """Why every letter of this submission waits for review on the signing's own evidence:
    a fraudulent signature (from a blocked address), or more letters from one address
    on this action in this clock hour than the organization's RateLimit allows.

    Held, not dropped: a union hall's shared address may be many real writers, and an
    organizer releases them in one go from the Delivery page.
    """
    if verdict.fraudulent and not verdict.held:
        return f"signed {integrity.REASONS.get(verdict.reason, verdict.reason)}"
    limit = integrity.policy(organization_id).limits.letters_per_ip_per_hour
    if limit and verdict.ip_hour_count > limit:
        return f"many letters from one address ({verdict.ip_hour_count} this hour)"
    return None


def hold_reason(
    settings: LetterSettings,
    submission_id: int,
    target: Target,
    screened: str | None,
    now,
    surge: str | None = None,
) -> str | None:
    """Why this letter must wait for an organizer, or None. Held letters are counted and
    shown on the delivery page; nothing is dropped silently (as WriteToThem does)."""
    if screened:
        return f"the edited letter contains the screened word “{screened}”"
    if surge:
        return surge
    limit = settings.daily_limit_per_target or 0
    if limit:
        supporter_id = select(Submission.supporter_id).where(Submission.id == submission_id)
        recent = db.session.scalar(
            select(func.count())
            .select_from(Message)
            .join(Submission, Submission.id == Message.submission_id)
            .where(
                Submission.supporter_id == supporter_id.scalar_subquery(),
                Message.target_id == target.id,
                Message.created_at > now - timedelta(days=1),
                Message.status != MessageStatus.rejected,
            )
        )
        if recent >= limit:
            return f"this person already wrote to {target.name} {recent} time(s) in 24 hours"
    return None


@signals.confirmed.connect
def release_confirmed(submission_id: int) -> list[int]:
    """A supporter confirmed: their held letters join the queue. Returns the message ids."""
    now = utcnow()
    rows = db.session.execute(
        update(Message)
        .where(Message.submission_id == submission_id, Message.status == MessageStatus.held)
        .values(status=MessageStatus.queued, due_at=now, updated_at=now)
        .returning(Message.id, Message.action_id)
    ).all()
    db.session.commit()
    if rows:
        for action_id in {action_id for _, action_id in rows}:
            delivery.queue_action_letters(action_id)
    return [message_id for message_id, _ in rows]
