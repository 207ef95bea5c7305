"""Template filters the pages and emails share, in the reader's language."""

from __future__ import annotations

from flask_babel import get_locale, gettext

from campaigns.events import times
from campaigns.public import bp


@bp.app_template_filter("target_title")
def target_title(title: str) -> str:
    """A target's title in the page's language, for the two the legislators import gives
    (directories.importing); an organizer's own titles are shown as they wrote them."""
    known = {"Senator": gettext("Senator"), "Representative": gettext("Representative")}
    return known.get(title, title)


@bp.app_template_filter("shift_when")
def shift_when(shift) -> str:
    """ "Thursday, December 17, 2026, 11:00 AM–3:00 PM (Chicago time)": where the event is."""
    text, city = times.when(shift, times.zone_of(shift.action), str(get_locale() or "en"))
    zone = gettext("%(city)s time", city=city)
    return f"{text} ({zone})"
