"""Forms of the tracking pages: milestones, petition delivery, the organization's time zone."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import get_timezone_location, get_timezone_name
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from campaigns.tracking.petition_delivery import DEFAULT_MIN_GROUP, FIELDS


class MilestoneForm(FlaskForm):
    value = IntegerField(
        "Threshold", validators=[DataRequired(), NumberRange(min=1, max=100_000_000)]
    )
    kind = RadioField(
        "Counted as",
        choices=[
            SelectChoice("count", "signatures"),
            SelectChoice("percent", "percent of the goal"),
        ],
        default="count",
    )
    announce = BooleanField("Say it on the public page once reached", default=True)


class DeliveryForm(FlaskForm):
    recipients = TextAreaField(
        "Send to",
        validators=[Optional(), Length(max=20000)],
        description="One a line: Name <email@example.org>. Left empty, the letter's targets.",
    )
    fields = SelectMultipleField(
        "Signer details in the CSV",
        choices=[SelectChoice(value, label) for value, label in FIELDS.items()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        description="Nothing is attached unless you tick something. Emails only if ticked.",
    )
    protected = BooleanField(
        "Protected delivery (an employer): no names, only counts by group",
        description="Groups smaller than the minimum are merged into \u201cother\u201d.",
    )
    group_by = SelectField(
        "Group by",
        choices=[
            SelectChoice("postcode", "ZIP or postcode"),
            SelectChoice("district", "District (letters)"),
            SelectChoice("worksite", "Worksite (actions that ask for the workplace)"),
        ],
        default="postcode",
    )
    min_group = IntegerField(
        "Smallest group shown",
        default=DEFAULT_MIN_GROUP,
        validators=[DataRequired(), NumberRange(min=2, max=1000)],
    )
    message = TextAreaField("Covering message", validators=[Optional(), Length(max=5000)])


@cache
def zone_names() -> tuple[str, ...]:
    # available_timezones() walks the tz database on disk on every call: read it once.
    return tuple(sorted(available_timezones() | {"UTC"}))


# The zones people organize in, first, by where they are; every other zone follows by name.
KNOWN_ZONES = {
    "United States": (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Puerto_Rico",
    ),
    "Canada": ("America/Toronto", "America/Winnipeg", "America/Edmonton", "America/Vancouver"),
    "Mexico, Central and South America, the Caribbean": (
        "America/Mexico_City",
        "America/Tijuana",
        "America/Guatemala",
        "America/El_Salvador",
        "America/Tegucigalpa",
        "America/Managua",
        "America/Santo_Domingo",
        "America/Havana",
        "America/Bogota",
        "America/Lima",
        "America/Caracas",
        "America/Santiago",
        "America/Argentina/Buenos_Aires",
        "America/Sao_Paulo",
    ),
}


@cache
def zone_choices() -> dict[str, list[SelectChoice]]:
    """The picker's groups: "Central Time — Chicago" for the zones people know, then every
    other zone by its name, and UTC."""
    known = {name for names in KNOWN_ZONES.values() for name in names}
    groups = {
        group: [SelectChoice(name, _zone_label(name)) for name in names]
        for group, names in KNOWN_ZONES.items()
    }
    groups["Other zones"] = [SelectChoice(n, n) for n in zone_names() if n not in known]
    return groups


def _zone_label(name: str) -> str:
    zone = ZoneInfo(name)
    city = get_timezone_location(zone, locale="en", return_city=True)
    general = get_timezone_name(zone, locale="en")
    if city in general:  # "United States (Honolulu) Time": the city says it already
        return f"{city} time"
    return f"{general} — {city}"


class TimezoneForm(FlaskForm):
    timezone = SelectField("Days start at midnight in", validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices()
