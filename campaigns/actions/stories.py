"""Story actions: supporters write, organizers moderate, approved stories are published.

Nothing of a story is public before an organizer approves it, and a story whose writer did
not consent to publication is never public at all. Every public reader goes through
`published_stories`, the only query that returns story text for a public page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaigns.extensions import db
from campaigns.models import Action, Story, StoryConsent, StoryStatus, Submission, utcnow
from campaigns.submissions.signing import Signer, SignResult, sign

PUBLIC_CONSENTS = (StoryConsent.name_city, StoryConsent.anonymous)


@dataclass
class PublishedStory:
    text: str
    byline: str  # "Maria, Oakland", or "" for an anonymous story


def submit(action, signer: Signer, text: str, consent: StoryConsent) -> SignResult:
    """Record the story with the submission, in one transaction; one story per person."""

    def write_story(submission_id: int, verdict):
        # A story from a fraudulent signing is kept for the moderators like any other: nothing
        # is public before they approve it.
        db.session.add(
            Story(
                submission_id=submission_id,
                action_id=action.id,
                original_text=text,
                text=text,
                consent=consent,
                status=StoryStatus.pending,
            )
        )
        db.session.flush()
        return None

    return sign(action, signer, on_created=write_story)


def published_stories(action: Action | int, limit: int = 20) -> list[PublishedStory]:
    """Approved stories whose writers allowed publication, newest approval first."""
    action_id = action if isinstance(action, int) else action.id
    rows = db.session.scalars(
        select(Story)
        .where(
            Story.action_id == action_id,
            Story.status == StoryStatus.approved,
            Story.consent.in_(PUBLIC_CONSENTS),
        )
        .options(selectinload(Story.submission).selectinload(Submission.supporter))
        .order_by(Story.moderated_at.desc(), Story.id.desc())
        .limit(limit)
    )
    out = []
    for story in rows:
        byline = ""
        if story.consent == StoryConsent.name_city:
            person = story.submission.supporter
            byline = ", ".join(p for p in (person.first_name, person.city) if p)
        out.append(PublishedStory(story.text, byline))
    return out


def stories_for_review(action: Action) -> dict[StoryStatus, list[Story]]:
    rows = db.session.scalars(
        select(Story)
        .where(Story.action_id == action.id)
        .options(selectinload(Story.submission).selectinload(Submission.supporter))
        .order_by(Story.created_at, Story.id)
    )
    grouped: dict[StoryStatus, list[Story]] = {s: [] for s in StoryStatus}
    for story in rows:
        grouped[story.status].append(story)
    return grouped


def story_of(action: Action, story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None or story.action_id != action.id:
        abort(404)
    return story


def moderate(story: Story, decision: str, text: str | None = None) -> None:
    """Approve (optionally with the text edited for privacy) or reject a story."""
    if decision == "approve":
        if text is not None and text.strip():
            story.text = text.strip()
        story.status = StoryStatus.approved
    elif decision == "reject":
        story.status = StoryStatus.rejected
    else:
        raise ValueError(decision)
    story.moderated_at = utcnow()
    db.session.commit()
