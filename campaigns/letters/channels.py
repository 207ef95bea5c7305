"""Which channel a letter to a target goes by, now: the one seam every target passes.

A target declares a channel (models.Target.declared_channel: the organizer's choice, else
CWC for a member of Congress, email for an address, none otherwise). Whether it is usable
depends on this deployment: a CWC chamber needs its URL and key, and the office must be on
the chamber's list of offices taking CWC messages. An unusable channel becomes `none`, with
the reason, before anything is written, so no letter is ever "sent" to nobody: a supporter
is shown the target's phone and web form instead, and the organizer the reason. (A member
of Congress the organizer gave an email address is written to there while CWC cannot be.)
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.congress import client, office_lists
from campaigns.congress.offices import HOUSE, OFFICE, SENATE
from campaigns.models import Channel, Target

CWC_CHANNELS = {Channel.cwc_house: HOUSE, Channel.cwc_senate: SENATE}

# Why a target has no channel (templates say each in the supporter's language).
NO_ADDRESS = "no_address"  # neither an email address nor a CWC office
NOT_CONFIGURED = "not_configured"  # the chamber's CWC keys are not set here
NOT_LISTED = "not_listed"  # the office is not on the chamber's CWC list
BAD_OFFICE = "bad_office"  # a CWC channel without a valid office code
REASONS = {
    NO_ADDRESS: "has no email address and no CWC office",
    NOT_CONFIGURED: "CWC for this chamber is not configured (CWC_* variables, docs/congress.md)",
    NOT_LISTED: "the office is not on its chamber's list of offices taking CWC messages",
    BAD_OFFICE: "the CWC channel needs an office code such as HCA12 or SCA03",
}


@dataclass(frozen=True)
class Route:
    target: Target
    channel: Channel
    declared: Channel
    reason: str = ""  # one of the codes above when the channel is none

    @property
    def deliverable(self) -> bool:
        return self.channel != Channel.none

    @property
    def chamber(self) -> str | None:
        """The chamber the letter goes to through CWC, or None when it goes otherwise."""
        return CWC_CHANNELS.get(self.channel)


def route(target: Target) -> Route:
    declared = target.declared_channel
    if declared == Channel.email:
        if target.email:
            return Route(target, declared, declared)
        return Route(target, Channel.none, declared, NO_ADDRESS)
    if declared == Channel.none:
        return Route(target, declared, declared, NO_ADDRESS)
    reason = _cwc_problem(target, CWC_CHANNELS[declared])
    if reason is None:
        return Route(target, declared, declared)
    if target.email and not target.channel:
        # An address the organizer gave for this office (a staffer's, say) serves while CWC
        # cannot; a channel the organizer chose explicitly is kept to.
        return Route(target, Channel.email, declared)
    return Route(target, Channel.none, declared, reason)


def _cwc_problem(target: Target, chamber: str) -> str | None:
    office = target.office_code or ""
    if not OFFICE.match(office) or (office[0] == "H") != (chamber == HOUSE):
        return BAD_OFFICE
    if not client.configured(chamber):
        return NOT_CONFIGURED
    if not office_lists.is_listed(office):
        return NOT_LISTED
    return None


def routes(targets: list[Target]) -> list[Route]:
    return [route(t) for t in targets]


def deliverable(target: Target) -> bool:
    return route(target).deliverable


def reaches_congress(routes_: list[Route]) -> bool:
    """Whether any of these letters goes through CWC, which needs a postal address."""
    return any(r.channel in CWC_CHANNELS for r in routes_)
