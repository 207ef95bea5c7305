"""Which supporters a set of filters picks: the one query builder behind the supporter list,
the bulk tag and the export, so what staff see is what they tag and what they download.

A filter is a plain dataclass that round-trips through a dict (the query string, the
Export row and the audit event all hold that dict).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import DateTime, Select, and_, exists, func, or_, select, type_coerce

from campaigns.models import Action, Campaign, OptIn, Submission, Supporter, Tagging


@dataclass(frozen=True)
class SupporterFilter:
    """Every field empty means everyone in the organization."""

    q: str = ""
    campaign_id: int | None = None
    action_id: int | None = None
    # Dates of the action taken (inclusive, UTC days), with or without a campaign or action.
    date_from: date | None = None
    date_to: date | None = None
    # "yes" / "no" / "" (either).
    confirmed: str = ""
    subscribed: str = ""
    language: str = ""
    postcode: str = ""
    tag_id: int | None = None
    # Where they worked when they took an action (Submission.employer / .worksite), matched
    # on one submission together with the action filters above; "contains" or "equals",
    # both ignoring case.
    employer: str = ""
    worksite: str = ""
    workplace_match: str = ""
    # Opted in to this partner organization on one of our campaigns (models.OptIn).
    partner_id: int | None = None

    def to_dict(self) -> dict:
        """Only the filters in use, as JSON-ready values."""
        values = {}
        for key, value in asdict(self).items():
            if value in (None, ""):
                continue
            if key == "workplace_match" and not (self.employer or self.worksite):
                continue  # how to match, with nothing to match, filters nothing
            values[key] = value.isoformat() if isinstance(value, date) else value
        return values

    @classmethod
    def from_dict(cls, values) -> SupporterFilter:
        """From a query string or a stored dict; values that do not parse are ignored, as a
        mistyped URL should show a wider list rather than an error page."""
        kwargs = {}
        for f in fields(cls):
            raw = values.get(f.name)
            if raw in (None, ""):
                continue
            raw = str(raw).strip()
            try:
                if f.name.endswith("_id"):
                    kwargs[f.name] = int(raw)
                elif f.name.startswith("date_"):
                    kwargs[f.name] = date.fromisoformat(raw)
                elif f.name in ("confirmed", "subscribed"):
                    if raw in ("yes", "no"):
                        kwargs[f.name] = raw
                elif f.name == "workplace_match":
                    if raw in ("contains", "equals"):
                        kwargs[f.name] = raw
                else:
                    kwargs[f.name] = raw[:200]
            except ValueError:
                continue
        return cls(**kwargs)

    @property
    def active(self) -> bool:
        return bool(self.to_dict())


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(organization_id: int, f: SupporterFilter) -> list:
    """WHERE conditions on `supporters` for `f`, always inside one organization."""
    where = [Supporter.organization_id == organization_id]
    if f.q:
        # Each word must match the first name, last name or email, so "ana ruiz" finds
        # Ana Ruiz and "ruiz@" her address. lower() LIKE works alike on SQLite and PostgreSQL.
        for word in f.q.lower().split()[:5]:
            pattern = f"%{_like_escape(word)}%"
            where.append(
                or_(
                    func.lower(Supporter.first_name).like(pattern, escape="\\"),
                    func.lower(Supporter.last_name).like(pattern, escape="\\"),
                    func.lower(Supporter.email).like(pattern, escape="\\"),
                )
            )
    if f.subscribed:
        where.append(Supporter.subscribed.is_(f.subscribed == "yes"))
    if f.language:
        where.append(Supporter.locale == f.language)
    if f.postcode:
        # A prefix, so "946" finds the whole of Oakland's 946xx.
        pattern = f"{_like_escape(f.postcode.upper())}%"
        where.append(func.upper(Supporter.postcode).like(pattern, escape="\\"))
    if f.tag_id is not None:
        where.append(
            exists().where(Tagging.supporter_id == Supporter.id, Tagging.tag_id == f.tag_id)
        )
    if f.partner_id is not None:
        # Any opt-in, shared or not: the consent was given. Opt-ins are the host's records,
        # on its own supporters, so no organization's filter reaches another's people.
        where.append(
            exists().where(
                OptIn.supporter_id == Supporter.id, OptIn.organization_id == f.partner_id
            )
        )
    submission = _submission_conditions(organization_id, f)
    if submission is not None:
        where.append(exists().where(Submission.supporter_id == Supporter.id, *submission))
    elif f.confirmed == "no":
        # "Not confirmed" without other action filters: no confirmed action at all.
        where.append(
            ~exists().where(
                Submission.supporter_id == Supporter.id, Submission.confirmed_at.is_not(None)
            )
        )
    return where


def _submission_conditions(organization_id: int, f: SupporterFilter) -> list | None:
    """Conditions one submission must meet together (an action of this campaign, in these
    dates, confirmed), or None when no filter is about submissions."""
    workplace = _workplace_conditions(f)
    if not (
        f.campaign_id
        or f.action_id
        or f.date_from
        or f.date_to
        or f.confirmed == "yes"
        or workplace
    ):
        return None
    where = workplace
    if f.action_id or f.campaign_id:
        # The action must belong to this organization: an id from another one matches nobody.
        actions = (
            select(Action.id)
            .join(Campaign, Campaign.id == Action.campaign_id)
            .where(Campaign.organization_id == organization_id)
        )
        if f.action_id:
            actions = actions.where(Action.id == f.action_id)
        if f.campaign_id:
            actions = actions.where(Action.campaign_id == f.campaign_id)
        where.append(Submission.action_id.in_(actions))
    # Compared as naive UTC, the way the column stores it, so the value binds alike whether
    # SQLAlchemy runs the query or the export hands it to PostgreSQL's COPY.
    created = type_coerce(Submission.created_at, DateTime)
    if f.date_from:
        where.append(created >= _start_of(f.date_from))
    if f.date_to:
        where.append(created < _start_of(f.date_to + timedelta(days=1)))
    if f.confirmed == "yes":
        where.append(Submission.confirmed_at.is_not(None))
    elif f.confirmed == "no":
        where.append(Submission.confirmed_at.is_(None))
    return where


def _workplace_conditions(f: SupporterFilter) -> list:
    """Employer and worksite, compared in lower case on both databases. "Equals" still
    ignores case and the spaces around: people type "ACME " and "Acme" for one employer."""
    where = []
    for column, value in ((Submission.employer, f.employer), (Submission.worksite, f.worksite)):
        if not value:
            continue
        if f.workplace_match == "equals":
            where.append(func.lower(func.trim(column)) == value.strip().lower())
        else:
            pattern = f"%{_like_escape(value.lower())}%"
            where.append(func.lower(column).like(pattern, escape="\\"))
    return where


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min)


def supporter_ids(organization_id: int, f: SupporterFilter) -> Select:
    """SELECT supporters.id for the filter (bulk tagging inserts from it)."""
    return select(Supporter.id).where(and_(*conditions(organization_id, f)))


def count(organization_id: int, f: SupporterFilter) -> Select:
    return select(func.count()).select_from(Supporter).where(*conditions(organization_id, f))
