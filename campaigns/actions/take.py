"""Taking an action of any kind: the one place that knows which feature records which kind.

The public page and its embed post the same form; the view turns it into a `Signer` and the
kind's own choices, and `take` hands them to the feature that owns the kind. What can go
wrong is raised for the view to show on the form (ActionClosed, DisposableEmail,
ShiftChoiceError, DistrictChoiceNeeded, LetterError).
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.actions import public as action_service
from campaigns.actions import stories
from campaigns.events import rsvps
from campaigns.letters import compose as letters
from campaigns.letters.postal import Address
from campaigns.models import ActionKind, StoryConsent
from campaigns.submissions.action_refs import ActionRef
from campaigns.submissions.signing import Signer, SignResult, sign


@dataclass
class Choices:
    """What a kind's form adds to the signer: a letter's words and district, an event's
    shifts, a story and its consent. A petition or pledge adds nothing."""

    letter: letters.Letter | None = None
    districts: list[str] | None = None
    # A letter to Congress: the supporter's postal address (letters.postal).
    address: Address | None = None
    shift_ids: tuple[int, ...] = ()
    story: str = ""
    consent: StoryConsent | None = None


@dataclass
class Taken:
    result: SignResult
    # An event's thank-you page lists the person's RSVPs by this token.
    rsvp_token: str | None = None


def take(ref: ActionRef, signer: Signer, choices: Choices) -> Taken:
    """Record `signer` taking the action `ref` points to, by its kind."""
    if ref.kind == ActionKind.letter:
        act = action_service.public_action_or_404(ref.slug)
        result = letters.send_letter(
            act, signer, choices.letter, choices.districts, address=choices.address
        )
        return Taken(result)
    if ref.kind == ActionKind.event:
        outcome = rsvps.rsvp(ref, signer, list(choices.shift_ids))
        return Taken(outcome.result, rsvps.thanks_token(outcome.result.submission_id))
    if ref.kind == ActionKind.story:
        return Taken(stories.submit(ref, signer, choices.story, choices.consent))
    return Taken(sign(ref, signer))
