"""Delivering a petition to its targets: the count, and a CSV of signers or of groups.

An ordinary delivery sends each recipient a summary and, where the organizer ticked any
signer fields, a CSV with only those columns: nothing about a signer leaves unless chosen,
and the email address never unless ticked. A **protected** delivery, for an employer, sends
no names at all: only how many signed per postcode, district or worksite, with every group
smaller than the organizer's minimum merged into "other", so no worker can be singled out.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

from flask import render_template
from sqlalchemy import func, select, update

from campaigns import mail
from campaigns.core.spreadsheets import safe_cell
from campaigns.extensions import db
from campaigns.mail import Attachment, EmailMessage
from campaigns.models import (
    Action,
    ActionTarget,
    PetitionDelivery,
    PetitionDeliveryStatus,
    Submission,
    Supporter,
    Target,
    User,
    utcnow,
)
from campaigns.queues import enqueue
from campaigns.tracking import sources

log = logging.getLogger(__name__)

# What a CSV of signers may hold; the organizer ticks which. Order is the column order.
FIELDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "city": "City",
    "postcode": "ZIP or postcode",
    "comment": "Comment",
    "signed_at": "Signed at (UTC)",
    "email": "Email",
}
GROUPINGS = ("postcode", "district", "worksite")
LABELS = {"postcode": "ZIP or postcode", "district": "District", "worksite": "Worksite"}
OTHER = "other"
DEFAULT_MIN_GROUP = 5
EMAIL = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$")


class DeliveryError(ValueError):
    """A delivery that cannot be sent as asked; the message says what to change."""


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


def parse_recipients(text: str) -> list[Recipient]:
    """One recipient a line: `Name <email>`, `Name, email` or just `email`."""
    result, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if "<" in line and line.endswith(">"):
            name, _, email = line[:-1].rpartition("<")
        elif "," in line:
            name, _, email = line.rpartition(",")
        else:
            name, email = "", line
        name, email = name.strip().strip('"'), email.strip()
        if not EMAIL.match(email):
            errors.append(f"line {number}: {email or line!r} is not an email address")
            continue
        result.append(Recipient(name, email))
    if errors:
        raise DeliveryError("; ".join(errors))
    return result


def letter_targets(action: Action) -> list[Recipient]:
    """The action's fixed targets that have an email address."""
    rows = db.session.scalars(
        select(Target)
        .join(ActionTarget, ActionTarget.target_id == Target.id)
        .where(ActionTarget.action_id == action.id, Target.email.is_not(None))
        .order_by(Target.name, Target.id)
    )
    return [Recipient(t.name, t.email) for t in rows if t.email]


def request_delivery(
    action: Action,
    recipients: list[Recipient],
    *,
    fields: list[str],
    protected: bool = False,
    group_by: str = "postcode",
    min_group: int = DEFAULT_MIN_GROUP,
    message: str = "",
    requested_by: User | None = None,
) -> PetitionDelivery:
    """Record the delivery and queue its job; the job sends it."""
    if not recipients:
        raise DeliveryError("add at least one recipient")
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise DeliveryError(f"unknown fields: {', '.join(unknown)}")
    if group_by not in GROUPINGS:
        raise DeliveryError("group by postcode, district or worksite")
    if protected and group_by == "district" and not sources.directory_ids([action.id]):
        raise DeliveryError("districts need a letter that uses a directory; group by postcode")
    if protected and group_by == "worksite" and not action.asks_workplace:
        raise DeliveryError("worksites need an action that asks for the workplace")
    if min_group < 2:
        raise DeliveryError("the smallest group must be at least 2")
    delivery = PetitionDelivery(
        action_id=action.id,
        requested_by_id=requested_by.id if requested_by else None,
        recipients=[{"name": r.name, "email": r.email} for r in recipients],
        # A protected delivery carries no signer fields whatever the form said.
        fields=[] if protected else [f for f in FIELDS if f in fields],
        protected=protected,
        group_by=group_by,
        min_group=min_group,
        message=message.strip(),
    )
    db.session.add(delivery)
    db.session.commit()
    enqueue("campaigns.tracking.tasks.deliver_petition", delivery.id, queue="mail")
    return delivery


def deliveries_of(action: Action) -> list[PetitionDelivery]:
    return list(
        db.session.scalars(
            select(PetitionDelivery)
            .where(PetitionDelivery.action_id == action.id)
            .order_by(PetitionDelivery.created_at.desc(), PetitionDelivery.id.desc())
        )
    )


def _signers(action: Action):
    """The submissions that count toward the public total, oldest first, with the person."""
    query = _counted(
        select(Submission, Supporter)
        .join(Supporter, Supporter.id == Submission.supporter_id)
        .order_by(Submission.created_at, Submission.id),
        action,
    )
    return db.session.execute(query.execution_options(yield_per=2000))


def signers_csv(action: Action, fields: list[str]) -> tuple[bytes, int]:
    """The CSV of signers with only `fields`, and how many rows it has."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([FIELDS[f] for f in fields])
    n = 0
    for submission, supporter in _signers(action):
        values = {
            "first_name": supporter.first_name,
            "last_name": supporter.last_name,
            "city": supporter.city,
            "postcode": supporter.postcode,
            "comment": submission.comment,
            "signed_at": submission.created_at.strftime("%Y-%m-%d %H:%M"),
            "email": supporter.email,
        }
        writer.writerow([safe_cell(values[f] or "") for f in fields])
        n += 1
    return out.getvalue().encode("utf-8"), n


def _counted(query, action: Action):
    query = query.where(Submission.action_id == action.id)
    if action.requires_confirmation:
        query = query.where(Submission.confirmed_at.is_not(None))
    return query


def signature_count(action: Action) -> int:
    return db.session.scalar(_counted(select(func.count()).select_from(Submission), action))


def merge_small_groups(counts: Counter[str], min_group: int) -> list[tuple[str, int]]:
    """Groups of at least `min_group`, largest first, and "other" holding the rest.

    "other" itself must not be a small group either (two people merged are still two people
    an employer could guess): while it holds fewer than `min_group`, the smallest remaining
    group joins it.
    """
    kept = {name or OTHER: n for name, n in counts.items() if n >= min_group and name}
    other = sum(n for name, n in counts.items() if n < min_group or not name)
    while 0 < other < min_group and kept:
        smallest = min(kept, key=lambda name: (kept[name], name))
        other += kept.pop(smallest)
    rows = sorted(kept.items(), key=lambda item: (-item[1], item[0]))
    if other:
        rows.append((OTHER, other))
    return rows


def protected_groups(action: Action, group_by: str, min_group: int) -> list[tuple[str, int]]:
    """Signatures per postcode, district or worksite, small groups merged (a GROUP BY, no
    names read)."""
    if group_by == "worksite":
        return merge_small_groups(_worksite_counts(action), min_group)
    query = _counted(
        select(Supporter.postcode, func.count())
        .select_from(Submission)
        .join(Supporter, Supporter.id == Submission.supporter_id),
        action,
    ).group_by(Supporter.postcode)
    per_postcode: Counter[str] = Counter()
    for postcode, n in db.session.execute(query):
        per_postcode[sources.normalize_postcode(postcode) or ""] += n
    if group_by == "district":
        directory_ids = sources.directory_ids([action.id])
        counts = sources.district_counts(per_postcode, directory_ids[0])
    else:
        counts = per_postcode
    return merge_small_groups(counts, min_group)


def _worksite_counts(action: Action) -> Counter[str]:
    """Signatures per worksite, grouped ignoring case and surrounding spaces as the sources
    page does: "OAK4" and "oak4 " are one group, so the split does not make a small one."""
    key = func.lower(func.trim(Submission.worksite))
    query = _counted(
        select(func.min(func.trim(Submission.worksite)), func.count()).select_from(Submission),
        action,
    ).group_by(key)
    return Counter(dict(db.session.execute(query).all()))


def groups_csv(groups: list[tuple[str, int]], label: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label, "Signatures"])
    for name, n in groups:
        writer.writerow([safe_cell(name), n])
    return out.getvalue().encode("utf-8")


def build_emails(delivery: PetitionDelivery) -> tuple[list[EmailMessage], int]:
    """One email per recipient with the same summary and attachment; and the count."""
    action = delivery.action
    content = action.content(action.default_locale)
    title = content.title if content else action.slug
    organization = action.campaign.organization
    attachments: list[Attachment] = []
    groups = None
    label = LABELS.get(delivery.group_by, "District")
    if delivery.protected:
        groups = protected_groups(action, delivery.group_by, delivery.min_group)
        count = sum(n for _, n in groups)
        attachments.append(
            Attachment("signatures-by-group.csv", groups_csv(groups, label), "text/csv")
        )
    elif delivery.fields:
        data, count = signers_csv(action, delivery.fields)
        attachments.append(Attachment("signers.csv", data, "text/csv"))
    else:
        count = signature_count(action)
    messages = []
    for recipient in delivery.recipients:
        text = render_template(
            "email/petition_delivery.txt",
            delivery=delivery,
            recipient=recipient,
            title=title,
            body=content.body if content else "",
            count=count,
            groups=groups,
            label=label,
            fields=[FIELDS[f] for f in delivery.fields],
            organization=organization,
        )
        messages.append(
            EmailMessage(
                to=recipient["email"],
                to_name=recipient["name"],
                subject=f"Petition: {title} — {count:,} signatures",
                text=text,
                organization_id=organization.id,
                attachments=attachments,
            )
        )
    return messages, count


def deliver(delivery_id: int) -> int:
    """Send the delivery to each recipient not yet sent to; returns how many were sent now.

    Each recipient is marked as soon as its email went out, so a retry after a temporary
    failure (which RQ schedules with the mail queue's back-off) sends only to the rest.
    """
    table = PetitionDelivery.__table__
    # Claimed by one worker at a time: a second job for the same delivery finds it taken.
    claimed = db.session.execute(
        update(table)
        .where(table.c.id == delivery_id, table.c.status == PetitionDeliveryStatus.queued)
        .values(status=PetitionDeliveryStatus.sending)
    ).rowcount
    db.session.commit()
    if not claimed:
        return 0
    delivery = db.session.get(PetitionDelivery, delivery_id)
    messages, count = build_emails(delivery)
    recipients = [dict(r) for r in delivery.recipients]
    sent = 0
    for recipient, message in zip(recipients, messages, strict=True):
        if recipient.get("sent_at"):
            continue
        try:
            recipient["message_id"] = mail.send(message)
        except mail.TemporaryMailError:
            delivery.status = PetitionDeliveryStatus.queued
            delivery.recipients = recipients
            db.session.commit()
            raise
        except mail.PermanentMailError as exc:
            recipient["error"] = str(exc)[:200]
            log.warning("delivery %s to %s refused: %s", delivery_id, recipient["email"], exc)
        else:
            sent += 1
        recipient["sent_at"] = utcnow().isoformat()
        delivery.recipients = recipients
        db.session.commit()
    failed = [r for r in recipients if r.get("error")]
    delivery.signatures = count
    delivery.sent_at = utcnow()
    delivery.status = (
        PetitionDeliveryStatus.failed
        if len(failed) == len(recipients)
        else PetitionDeliveryStatus.sent
    )
    if failed:
        delivery.error = "; ".join(f"{r['email']}: {r['error']}" for r in failed)[:500]
    db.session.commit()
    return sent
