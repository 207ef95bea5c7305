"""Organizers' side of letters: writing the action, its targets, and reading its delivery."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from campaigns.congress.offices import OFFICE
from campaigns.core.slugs import prepare_action
from campaigns.extensions import db
from campaigns.letters import calls
from campaigns.models import (
    Action,
    ActionKind,
    ActionTarget,
    ActionTranslation,
    Campaign,
    Directory,
    LetterSettings,
    LetterTemplate,
    Message,
    MessageStatus,
    Target,
)


@dataclass
class LetterContent:
    locale: str
    title: str
    intro: str
    subject: str
    body: str


@dataclass
class FixedTarget:
    name: str
    title: str
    email: str
    # A member of Congress written to through CWC: their office code (HCA12), no email.
    office_code: str = ""


@dataclass
class CongressOptions:
    """What a letter to Congress says about itself (CWC): its Library of Congress topics,
    the bills it is about ("hr 1234 119" each), its stance on them, and the call script for
    offices no letter can reach."""

    topics: list[str] = field(default_factory=list)
    bills: list[str] = field(default_factory=list)
    stance: str = ""
    call_script: str = ""


class TargetListError(ValueError):
    """Lines of the target list that could not be read, each with its line number."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def parse_targets(text: str) -> list[FixedTarget]:
    """One target a line, "Name, Title, email"; the title may be left out ("Name, email").
    In place of the email, a member of Congress's CWC office code ("HCA12", "SCA03")."""
    targets, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 2:
            parts.insert(1, "")
        if len(parts) != 3 or not parts[0]:
            errors.append(f"line {number}: write it as Name, Title, email")
            continue
        name, title, email = parts
        if OFFICE.match(email.upper()):
            targets.append(FixedTarget(name[:200], title[:200], "", email.upper()))
            continue
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            errors.append(f"line {number}: {email or 'the email'} is not a valid address ({exc})")
            continue
        targets.append(FixedTarget(name[:200], title[:200], email))
    if errors:
        raise TargetListError(errors)
    return targets


def parse_targets_csv(stream) -> list[FixedTarget]:
    """A CSV with the columns name, title, email (a header row; any order; title optional),
    and optionally office_code: a member of Congress's CWC office, in place of the email.

    Errors name the line and the column; with any error no target is returned.
    """
    import csv
    import io

    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="").read()
    except UnicodeDecodeError as exc:
        raise TargetListError(["line 1: the file is not UTF-8 text (save as CSV UTF-8)"]) from exc
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(rows, [])]
    missing = [c for c in ("name",) if c not in header]
    if "email" not in header and "office_code" not in header:
        missing.append("email")
    if missing:
        raise TargetListError([f"line 1: the header needs the column(s) {', '.join(missing)}"])
    targets, errors = [], []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = dict(zip(header, (cell.strip() for cell in row), strict=False))
        name, email = values.get("name", ""), values.get("email", "")
        office = values.get("office_code", "").upper()
        if not name:
            errors.append(f"line {number}, column name: empty")
            continue
        if office and not email:
            if not OFFICE.match(office):
                errors.append(f"line {number}, column office_code: {office} is not like HCA12")
                continue
            targets.append(FixedTarget(name[:200], values.get("title", "")[:200], "", office))
            continue
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors.append(f"line {number}, column email: {email or '(empty)'} is not valid")
            continue
        targets.append(FixedTarget(name[:200], values.get("title", "")[:200], email))
    if errors:
        raise TargetListError(errors)
    return targets


def format_targets(action: Action) -> str:
    rows = db.session.execute(
        select(Target.name, Target.title, Target.email, Target.office_code)
        .join(ActionTarget, ActionTarget.target_id == Target.id)
        .where(ActionTarget.action_id == action.id)
        .order_by(ActionTarget.id)
    )
    return "\n".join(
        ", ".join(v for v in (name, title, email or office or "") if v)
        for name, title, email, office in rows
    )


def directories_of(organization_id: int) -> list[Directory]:
    return list(
        db.session.scalars(
            select(Directory)
            .where(Directory.organization_id == organization_id)
            .order_by(Directory.name)
        )
    )


def save_letter(
    campaign: Campaign,
    contents: list[LetterContent],
    targets: list[FixedTarget],
    *,
    fallback: FixedTarget | None,
    editable: bool,
    directory_id: int | None = None,
    write_to_all_districts: bool = False,
    hourly_cap_per_target: int | None = None,
    over_cap: str = "wait",
    daily_limit_per_target: int = 1,
    screen_words: str = "",
    congress: CongressOptions | None = None,
    requires_confirmation: bool,
    goal: int | None,
    slug: str = "",
    letter: Action | None = None,
) -> Action:
    """Create or update a letter action with its texts, fixed targets and fallback."""
    english = next((c for c in contents if c.title), None)
    titled = english.title if english else None
    letter = prepare_action(campaign, ActionKind.letter, titled, slug, letter)
    letter.goal = goal
    letter.requires_confirmation = requires_confirmation
    letter.default_locale = english.locale if english else "en"
    db.session.flush()

    translations = {t.locale: t for t in letter.translations}
    templates = {
        t.locale: t
        for t in db.session.scalars(
            select(LetterTemplate).where(LetterTemplate.action_id == letter.id)
        )
    }
    for content in contents:
        if not content.title:
            if content.locale in translations:
                letter.translations.remove(translations[content.locale])
            if content.locale in templates:
                db.session.delete(templates[content.locale])
            continue
        translation = translations.get(content.locale) or ActionTranslation(locale=content.locale)
        if translation not in letter.translations:
            letter.translations.append(translation)
        translation.title, translation.body = content.title, content.intro
        template = templates.get(content.locale) or LetterTemplate(
            action_id=letter.id, locale=content.locale
        )
        template.subject, template.body = content.subject, content.body
        db.session.add(template)

    settings = db.session.get(LetterSettings, letter.id) or LetterSettings(action_id=letter.id)
    settings.editable = editable
    settings.directory_id = directory_id
    settings.write_to_all_districts = write_to_all_districts
    settings.hourly_cap_per_target = hourly_cap_per_target
    settings.over_cap = over_cap
    settings.daily_limit_per_target = daily_limit_per_target
    settings.screen_words = screen_words
    if congress is not None:
        settings.topics = "\n".join(congress.topics)
        settings.bills = "\n".join(congress.bills)
        settings.stance = congress.stance
        settings.call_script = congress.call_script
    settings.fallback_target = _target(campaign, fallback) if fallback else None
    db.session.add(settings)
    _replace_fixed_targets(campaign, letter, targets)
    db.session.commit()
    return letter


def _target(campaign: Campaign, wanted: FixedTarget) -> Target:
    """Reuse the organization's target with that email (or CWC office), so its delivery
    history stays whole."""
    same = (
        Target.email == wanted.email if wanted.email else Target.office_code == wanted.office_code
    )
    target = db.session.scalars(
        select(Target).where(
            Target.organization_id == campaign.organization_id,
            Target.directory_id.is_(None),
            same,
        )
    ).first()
    if target is None:
        target = Target(
            organization_id=campaign.organization_id,
            email=wanted.email or None,
            office_code=wanted.office_code or None,
        )
        db.session.add(target)
    target.name, target.title = wanted.name, wanted.title
    db.session.flush()
    return target


def _replace_fixed_targets(campaign: Campaign, letter: Action, wanted: list[FixedTarget]) -> None:
    existing = {
        link.target_id: link
        for link in db.session.scalars(
            select(ActionTarget).where(ActionTarget.action_id == letter.id)
        )
    }
    keep = set()
    for fixed in wanted:
        target = _target(campaign, fixed)
        keep.add(target.id)
        if target.id not in existing:
            db.session.add(ActionTarget(action_id=letter.id, target_id=target.id))
            existing[target.id] = None
    for target_id, link in existing.items():
        if target_id not in keep and link is not None:
            db.session.delete(link)


@dataclass
class TargetDelivery:
    target: Target
    by_status: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass
class DeliveryReport:
    totals: Counter
    per_target: list[TargetDelivery]
    failures: list[Message]
    held_for_review: list[Message] = field(default_factory=list)
    # Letters by channel (email, cwc_house, …) and status; calls reported per target.
    per_channel: dict[str, Counter] = field(default_factory=dict)
    calls: list[tuple[Target, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def delivery_report(action: Action, failure_limit: int = 100) -> DeliveryReport:
    """Letters by status, overall and per target, and the latest failures with reasons.

    Every message is in exactly one status, so the columns always add up to the total.
    """
    rows = db.session.execute(
        select(Message.target_id, Message.status, func.count())
        .where(Message.action_id == action.id)
        .group_by(Message.target_id, Message.status)
    ).all()
    targets = {
        t.id: t
        for t in db.session.scalars(select(Target).where(Target.id.in_({r[0] for r in rows})))
    }
    per_target: dict[int, TargetDelivery] = {}
    totals: Counter = Counter()
    for target_id, status, n in rows:
        per_target.setdefault(target_id, TargetDelivery(targets[target_id])).by_status[
            status.value
        ] += n
        totals[status.value] += n
    failures = list(
        db.session.scalars(
            select(Message)
            .where(
                Message.action_id == action.id,
                Message.status.in_(
                    [MessageStatus.failed, MessageStatus.bounced, MessageStatus.dropped]
                ),
            )
            .order_by(Message.updated_at.desc())
            .limit(failure_limit)
        )
    )
    held = list(
        db.session.scalars(
            select(Message)
            .where(Message.action_id == action.id, Message.status == MessageStatus.review)
            .order_by(Message.created_at)
            .limit(failure_limit)
        )
    )
    ordered = sorted(per_target.values(), key=lambda d: (-d.total, d.target.name))
    per_channel: dict[str, Counter] = {}
    for channel, status, n in db.session.execute(
        select(Message.channel, Message.status, func.count())
        .where(Message.action_id == action.id)
        .group_by(Message.channel, Message.status)
    ):
        per_channel.setdefault(channel, Counter())[status.value] += n
    reported = calls.counts(action.id)
    called = db.session.scalars(select(Target).where(Target.id.in_(reported))).all()
    return DeliveryReport(
        totals=totals,
        per_target=ordered,
        failures=failures,
        held_for_review=held,
        per_channel=dict(sorted(per_channel.items())),
        calls=sorted(((t, reported[t.id]) for t in called), key=lambda c: (-c[1], c[0].name)),
    )
