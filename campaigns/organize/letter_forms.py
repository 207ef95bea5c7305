"""The organizer's form for a letter action, with what a letter to Congress adds."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from campaigns.congress.documents import BILL_TYPES, LOC_TOPICS
from campaigns.organize.forms import SLUG_RULE

BILL = rf"^({'|'.join(BILL_TYPES)}) \d{{1,5}} \d{{3}}$"


MERGE_HINT = (
    "Merge fields: {supporter_name}, {supporter_first_name}, {supporter_city}, "
    "{supporter_postcode}, {target_name}, {target_title}."
)


class LetterForm(FlaskForm):
    slug = StringField(
        "Web address (/a/…)",
        validators=[Optional(), Length(max=60), SLUG_RULE],
        description="Left empty, it is made from the English title.",
    )
    goal = IntegerField(
        "Goal (letters)", validators=[Optional(), NumberRange(min=1, max=100_000_000)]
    )
    requires_confirmation = BooleanField(
        "Send letters only after the supporter confirms their email", default=True
    )
    editable = BooleanField("Supporters may edit the subject and letter", default=True)
    targets = TextAreaField(
        "Targets",
        validators=[Optional(), Length(max=20000)],
        description=(
            "One a line: Name, Title, email (Pat Boss, CEO of Acme, ceo@acme.example). For a "
            "member of Congress, their CWC office code instead of the email (Lateefah Simon, "
            "Representative, HCA12)."
        ),
    )
    targets_file = FileField(
        "Or upload targets as CSV",
        description=(
            "Columns name, title, email (or office_code for a member of Congress), with a "
            "header row; added to the list above."
        ),
    )
    directory_id = SelectField(
        "Also find targets by the supporter's ZIP code in",
        coerce=int,
        choices=[SelectChoice(0, "(no directory)")],
        default=0,
        description="Import a directory with `campaigns import-targets` and `import-postcodes`.",
    )
    write_to_all_districts = BooleanField(
        "When a ZIP code spans several districts, write to all of them (else the supporter picks)"
    )
    hourly_cap_per_target = IntegerField(
        "At most this many letters to one target an hour (empty: no cap)",
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description="Letters over the cap wait for the next hour; none are dropped.",
    )
    over_cap = SelectField(
        "Letters over the cap",
        choices=[
            SelectChoice("wait", "wait for the next hour"),
            SelectChoice("digest", "go in one daily digest to the target (names, cities, words)"),
        ],
        default="wait",
    )
    daily_limit_per_target = IntegerField(
        "Letters one person may send one target a day",
        default=1,
        validators=[Optional(), NumberRange(min=1, max=100)],
        description="More than this waits for you on the Delivery page.",
    )
    screen_words = TextAreaField(
        "Hold edited letters containing these words (one a line)",
        validators=[Optional(), Length(max=5000)],
    )
    fallback_name = StringField("Fallback target: name", validators=[Optional(), Length(max=200)])
    fallback_email = StringField(
        "Fallback target: email",
        validators=[Optional(), Email(), Length(max=254)],
        description="Receives the letter when no target can be emailed.",
    )
    title_en = StringField("Title (English)", validators=[DataRequired(), Length(max=200)])
    intro_en = TextAreaField("Why write (English)", validators=[Optional(), Length(max=5000)])
    subject_en = StringField(
        "Letter subject (English)", validators=[DataRequired(), Length(max=300)]
    )
    body_en = TextAreaField(
        "Letter (English)",
        validators=[DataRequired(), Length(max=20000)],
        description=MERGE_HINT,
    )
    title_es = StringField("Title (Spanish)", validators=[Optional(), Length(max=200)])
    intro_es = TextAreaField("Why write (Spanish)", validators=[Optional(), Length(max=5000)])
    subject_es = StringField("Letter subject (Spanish)", validators=[Optional(), Length(max=300)])
    body_es = TextAreaField("Letter (Spanish)", validators=[Optional(), Length(max=20000)])

    # Letters to Congress (CWC): what each office's staff files the letter under.
    topics = SelectMultipleField(
        "Library of Congress topics (letters to Congress)",
        choices=[SelectChoice(t, t) for t in LOC_TOPICS],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        description="Offices sort their mail by these; Labor and Employment when none.",
    )
    bills = TextAreaField(
        "Bills the letter is about (letters to Congress)",
        validators=[Optional(), Length(max=2000)],
        description="One a line: type, number, Congress, e.g. hr 20 119 or s 567 119.",
    )
    stance = SelectField(
        "Stance on those bills",
        choices=[
            SelectChoice("", "(none)"),
            SelectChoice("pro", "for"),
            SelectChoice("con", "against"),
        ],
        default="",
    )
    call_script = TextAreaField(
        "Call script",
        validators=[Optional(), Length(max=3000)],
        description="Shown with the phone of each office a letter cannot reach.",
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for number, line in enumerate((self.bills.data or "").splitlines(), start=1):
            if line.strip() and not re.match(BILL, " ".join(line.lower().split())):
                self.bills.errors.append(
                    f"line {number}: write a bill as type, number, Congress (hr 20 119)"
                )
                valid = False
        if self.title_es.data and not (self.subject_es.data and self.body_es.data):
            self.body_es.errors.append(
                "Add the Spanish subject and letter, or leave the Spanish title empty."
            )
            valid = False
        if bool(self.fallback_name.data) != bool(self.fallback_email.data):
            self.fallback_email.errors.append("Give the fallback target both a name and an email.")
            valid = False
        if not (
            self.targets.data
            or self.targets_file.data
            or self.fallback_email.data
            or self.directory_id.data
        ):
            self.targets.errors.append("Add a target, a directory or a fallback target.")
            valid = False
        return valid
