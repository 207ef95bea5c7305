"""Forms on organizer pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from campaigns.core.slugs import SLUG

SLUG_RULE = Regexp(SLUG, message="Use lower-case letters, digits and single hyphens.")


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class CampaignForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        "Web address",
        validators=[Optional(), Length(max=60), SLUG_RULE],
        description="Left empty, it is made from the title.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    goal = IntegerField(
        "Goal",
        validators=[Optional(), NumberRange(min=1, max=100_000_000)],
        description="How many actions you aim for across the campaign.",
    )


class PetitionForm(FlaskForm):
    slug = StringField(
        "Web address (/a/…)",
        validators=[Optional(), Length(max=60), SLUG_RULE],
        description="Left empty, it is made from the English title.",
    )
    goal = IntegerField(
        "Signature goal", validators=[Optional(), NumberRange(min=1, max=100_000_000)]
    )
    requires_confirmation = BooleanField(
        "Count a signature only once its email is confirmed", default=True
    )
    show_recent_signers = BooleanField(
        "Show recent signers who chose to be shown (first name, initial, city)", default=True
    )
    asks_workplace = BooleanField("Ask for workplace: employer, worksite, department, shift")
    title_en = StringField("Title (English)", validators=[DataRequired(), Length(max=200)])
    body_en = TextAreaField(
        "Petition text (English)", validators=[DataRequired(), Length(max=20000)]
    )
    title_es = StringField("Title (Spanish)", validators=[Optional(), Length(max=200)])
    body_es = TextAreaField("Petition text (Spanish)", validators=[Optional(), Length(max=20000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not in the field's chain: Optional() ends that chain on empty input.
        if self.title_es.data and not self.body_es.data:
            self.body_es.errors.append("Add the Spanish text, or leave the Spanish title empty.")
            valid = False
        return valid


class DirectoryForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=200)],
        description="For example: US Congress, Oakland city council.",
    )


class DirectoryUploadForm(FlaskForm):
    kind = SelectField(
        "What the file holds",
        choices=[
            SelectChoice("targets", "Targets (who letters go to)"),
            SelectChoice("postcodes", "Postcodes and their districts"),
        ],
    )
    file_format = SelectField(
        "Format",
        choices=[
            SelectChoice("generic", "Our CSV: name,title,email,district / postcode,district"),
            SelectChoice(
                "legislators", "legislators-current.csv (unitedstates/congress-legislators)"
            ),
            SelectChoice("zccd", "zccd.csv (ZIP to congressional district)"),
        ],
    )
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        allowed = {"targets": {"generic", "legislators"}, "postcodes": {"generic", "zccd"}}
        if valid and self.file_format.data not in allowed[self.kind.data]:
            self.file_format.errors.append("That format does not hold that kind of data.")
            valid = False
        return valid


class BoundaryUploadForm(FlaskForm):
    key_property = StringField(
        "District property",
        validators=[Optional(), Length(max=64)],
        description=(
            "The feature property holding each district's code, written as the directory "
            "writes it (CA-12). Left empty: district, then id, GEOID, name."
        ),
    )
    file = FileField("GeoJSON file", validators=[FileRequired("Choose a GeoJSON file to upload.")])


class PledgeForm(PetitionForm):
    goal = IntegerField("Pledge goal", validators=[Optional(), NumberRange(min=1, max=100_000_000)])
    requires_confirmation = BooleanField(
        "Count a pledge only once its email is confirmed", default=True
    )
    show_recent_signers = BooleanField(
        "List recent pledgers who chose to be shown (first name, initial, city)", default=True
    )
    body_en = TextAreaField(
        'Pledge text (English), e.g. "I pledge to…"',
        validators=[DataRequired(), Length(max=20000)],
    )
    body_es = TextAreaField("Pledge text (Spanish)", validators=[Optional(), Length(max=20000)])


class EventForm(PetitionForm):
    goal = IntegerField("RSVP goal", validators=[Optional(), NumberRange(min=1, max=100_000_000)])
    requires_confirmation = BooleanField(
        "Count an RSVP only once its email is confirmed", default=False
    )
    show_recent_signers = None  # who comes to an event is never listed publicly
    body_en = TextAreaField(
        "What the event is (English)", validators=[DataRequired(), Length(max=20000)]
    )
    body_es = TextAreaField(
        "What the event is (Spanish)", validators=[Optional(), Length(max=20000)]
    )
    timezone = SelectField(
        "Time zone of the event",
        choices=[SelectChoice("", "the organization's")],
        default="",
        validate_choice=False,
        description="Where it happens: shift times are typed and shown in this zone.",
    )
    shifts = TextAreaField(
        "Shifts",
        validators=[DataRequired("Add at least one shift."), Length(max=20000)],
        description=(
            "One a line: start, end, capacity, place or https link, with times in the event's "
            "time zone, e.g. 2026-12-01 06:00, 2026-12-01 10:00, 12, Gate 3 of the Acme "
            "warehouse."
        ),
    )


class StoryActionForm(PetitionForm):
    goal = IntegerField("Story goal", validators=[Optional(), NumberRange(min=1, max=100_000_000)])
    requires_confirmation = BooleanField(
        "Count a story only once its email is confirmed", default=False
    )
    show_recent_signers = None
    body_en = TextAreaField(
        "What to write about (English)", validators=[DataRequired(), Length(max=20000)]
    )
    body_es = TextAreaField(
        "What to write about (Spanish)", validators=[Optional(), Length(max=20000)]
    )


class StoryEditForm(FlaskForm):
    """Approve (with the text as edited) or reject one story."""

    text = TextAreaField("Text to publish", validators=[DataRequired(), Length(max=5000)])
    decision = SelectField(
        "Decision",
        choices=[SelectChoice("approve", "Approve"), SelectChoice("reject", "Reject")],
    )


class UpdateForm(FlaskForm):
    """News for a campaign's followers, in English and (optionally) Spanish."""

    subject_en = StringField("Subject (English)", validators=[DataRequired(), Length(max=200)])
    body_en = TextAreaField("Message (English)", validators=[DataRequired(), Length(max=20000)])
    subject_es = StringField("Subject (Spanish)", validators=[Optional(), Length(max=200)])
    body_es = TextAreaField("Message (Spanish)", validators=[Optional(), Length(max=20000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Spanish followers get English where the Spanish is missing, never half of each.
        if bool(self.subject_es.data) != bool(self.body_es.data):
            self.body_es.errors.append("Write both the Spanish subject and message, or neither.")
            valid = False
        return valid


class ShareImageForm(FlaskForm):
    image = FileField(
        "Share image",
        validators=[FileRequired("Choose an image file.")],
        description="PNG or JPEG, at most 2 MB; 1200 × 630 pixels looks best in previews.",
    )


def _count(label: str, description: str = "", maximum: int = 1_000_000):
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=0, max=maximum)],
        description=description,
    )


class RateLimitForm(FlaskForm):
    """An organization's signature limits (integrity.checks). 0 turns a limit off."""

    burst_limit = _count("Signatures per address, short window", "Per action. 0 turns it off.")
    burst_seconds = _count("Short window, seconds", maximum=86_400)
    sustained_limit = _count("Signatures per address, long window", "Per action.")
    sustained_seconds = _count("Long window, seconds", maximum=86_400)
    domain_limit = _count("Signatures per email domain", "Per action, except the domains below.")
    domain_seconds = _count("Email domain window, seconds", maximum=86_400)
    allowed_domains = TextAreaField(
        "Domains without a limit",
        validators=[Optional(), Length(max=5000)],
        description="One a line: big webmail providers, where thousands of people share one.",
    )
    trending_ip_per_hour = _count(
        "Flag an address after this many signatures in an hour", "On one action."
    )
    trending_domain_per_hour = _count(
        "Flag an email domain after this many signatures in an hour", "On one action."
    )
    letters_per_ip_per_hour = _count(
        "Hold letters for review after this many from one address in an hour",
        "On one action, counted per clock hour.",
    )


class ListEntryForm(FlaskForm):
    kind = SelectField(
        "What",
        choices=[
            SelectChoice("ip", "Address or network"),
            SelectChoice("domain", "Email domain"),
            SelectChoice("disposable", "Disposable-email domain"),
        ],
    )
    list_name = SelectField(
        "List",
        choices=[SelectChoice("block", "Block"), SelectChoice("allow", "Allow")],
        description="Allowing a disposable-email domain takes it off the shipped list for you.",
    )
    value = StringField(
        "Value",
        validators=[DataRequired(), Length(max=255)],
        description="203.0.113.7, 203.0.113.0/24, 2001:db8::/48, or example.org.",
    )
    note = StringField("Note", validators=[Optional(), Length(max=200)])
