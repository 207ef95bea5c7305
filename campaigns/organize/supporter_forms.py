"""Forms on the supporter list, a person's page and the export page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from campaigns.supporters.exports import COLUMNS, DEFAULT_COLUMNS

YES_NO = [SelectChoice("", "Either"), SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class FilterForm(FlaskForm):
    """The filters, read from the query string: a filtered list is a link staff can share."""

    class Meta:
        csrf = False

    q = StringField("Name or email", validators=[Optional(), Length(max=200)])
    campaign_id = SelectField("Campaign", choices=[], validate_choice=False)
    action_id = SelectField("Action", choices=[], validate_choice=False)
    date_from = DateField("Took an action from", validators=[Optional()])
    date_to = DateField("until", validators=[Optional()])
    confirmed = SelectField("Confirmed email", choices=YES_NO)
    subscribed = SelectField("Subscribed to updates", choices=YES_NO)
    language = SelectField(
        "Their language",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("en", "English"),
            SelectChoice("es", "Spanish"),
        ],
    )
    postcode = StringField("Postcode starts with", validators=[Optional(), Length(max=16)])
    tag_id = SelectField("Tag", choices=[], validate_choice=False)
    employer = StringField("Employer", validators=[Optional(), Length(max=120)])
    worksite = StringField("Worksite", validators=[Optional(), Length(max=120)])
    workplace_match = SelectField(
        "Employer and worksite",
        choices=[SelectChoice("", "contain the words"), SelectChoice("equals", "are exactly")],
    )
    partner_id = SelectField("Opted in to partner", choices=[], validate_choice=False)


class TagForm(FlaskForm):
    name = StringField("Tag", validators=[DataRequired(), Length(max=60)])


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ExportForm(FlaskForm):
    columns = CheckboxesField(
        "Columns",
        choices=[SelectChoice(key, column.label) for key, column in COLUMNS.items()],
        default=DEFAULT_COLUMNS,
    )


class EraseForm(FlaskForm):
    confirm = BooleanField(
        "Yes, erase this person everywhere. This cannot be undone.",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )


class ImportUploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])
    source = StringField(
        "Where these people came from",
        validators=[DataRequired(), Length(max=200)],
        description="For example “sign-up sheets, March 8 rally”. Kept with the import.",
    )
    consent = BooleanField("Everyone on this list agreed to hear from us by email")


class ImportMappingForm(FlaskForm):
    """The selects, one per column, are drawn from the file's header; this carries CSRF."""


def _days(label: str, description: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=1, max=3650, message="From 1 to 3650 days.")],
        description=description,
    )


class RetentionForm(FlaskForm):
    unconfirmed_days = _days(
        "Erase people who never confirmed their email after (days)",
        "Counted from when we first knew them; anyone who confirms an action is kept.",
    )
    unsubscribed_days = _days(
        "Erase people who unsubscribed after (days)",
        "Counted from the unsubscribe; anyone who takes an action since is kept.",
    )
    ip_hash_days = _days(
        "Drop the address fingerprints of actions after (days)",
        "Fingerprints help spot abuse while a campaign is hot; they are not needed later.",
    )


class SuppressionForm(FlaskForm):
    email = StringField("Email address", validators=[DataRequired(), Length(max=254)])
    reason = StringField(
        "Why",
        validators=[Optional(), Length(max=200)],
        description="For example “asked by phone never to be emailed”. Do not add details "
        "about the person.",
    )
