"""Forms on public pages; every message is translated."""

from __future__ import annotations

import re
from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from campaigns.congress.documents import PREFIXES
from campaigns.letters.postal import STATES

# Names may hold any letter, apostrophes, hyphens, spaces, dots; never markup, and never a
# control character: a line break in a name would reach mail headers (a letter's From name).
NO_MARKUP = re.compile(r"^[^<>{}\[\]\\\x00-\x1f\x7f]*$")
POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,14}$")


def no_markup(form, field):
    if field.data and not NO_MARKUP.match(field.data):
        raise ValidationError(_l("Please use letters only, without < > { } [ ] or \\."))


def first_name_field() -> StringField:
    """The first name, as every public form asks for it."""
    return StringField(
        _l("First name"),
        validators=[
            DataRequired(_l("Please enter your first name.")),
            Length(max=100, message=_l("Please use at most %(max)d characters.")),
            no_markup,
        ],
        render_kw={"autocomplete": "given-name"},
    )


def email_field() -> EmailField:
    """The email address, as every public form asks for it."""
    return EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=254, message=_l("Please use at most %(max)d characters.")),
            Email(message=_l("Please enter a valid email address, like name@example.org.")),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def optional_name_field(label, max_length: int, autocomplete: str | None = None) -> StringField:
    """An optional line of text that names something (a city, an employer): at most
    `max_length` characters and no markup."""
    return StringField(
        label,
        validators=[
            Optional(),
            Length(max=max_length, message=_l("Please use at most %(max)d characters.")),
            no_markup,
        ],
        render_kw={"autocomplete": autocomplete} if autocomplete else None,
    )


class SignForm(FlaskForm):
    class Meta:
        # No session token: the action's form token is checked before the form is built
        # (public.form_tokens), and the template renders it.
        csrf = False

    first_name = first_name_field()
    last_name = StringField(
        _l("Last name"),
        validators=[
            DataRequired(_l("Please enter your last name.")),
            Length(max=100, message=_l("Please use at most %(max)d characters.")),
            no_markup,
        ],
        render_kw={"autocomplete": "family-name"},
    )
    email = email_field()
    postcode = StringField(
        _l("ZIP or postcode"),
        validators=[
            DataRequired(_l("Please enter your ZIP or postcode.")),
            Regexp(POSTCODE, message=_l("Please enter a ZIP or postcode with letters and digits.")),
        ],
        render_kw={"autocomplete": "postal-code"},
    )
    city = optional_name_field(_l("City (optional)"), 100, autocomplete="address-level2")
    comment = TextAreaField(
        _l("Why are you signing? (optional)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("Please use at most %(max)d characters.")),
        ],
    )
    show_name = BooleanField(_l("Show my first name, initial and city in the list of signers"))
    subscribe = BooleanField(_l("Email me updates about this campaign"))
    # Where the person works, shown only when the action asks (Action.asks_workplace) and
    # always optional: naming an employer can be a risk a worker chooses to take or not.
    employer = optional_name_field(_l("Employer (optional)"), 120, autocomplete="organization")
    worksite = optional_name_field(_l("Worksite (optional)"), 120)
    department = optional_name_field(_l("Department (optional)"), 120)
    work_shift = optional_name_field(_l("Shift (optional)"), 60)
    # One box per coalition partner the form offers (partners.offers); the template draws
    # them, and the service keeps only the ones it offered.
    partners = SelectMultipleField(coerce=int, choices=[], validate_choice=False)
    # A honeypot: hidden from people (and from screen readers), filled in by naive bots.
    website = StringField(_l("Leave this field empty"))
    source = StringField(validators=[Optional(), Length(max=64)])
    # The site that sent the supporter here, host only, filled in when the page was shown.
    referrer = StringField(validators=[Optional(), Length(max=253)])

    def strip(self) -> None:
        for name in ("first_name", "last_name", "email", "postcode", "city", *WORKPLACE_FIELDS):
            field = getattr(self, name, None)
            if field is not None and field.data:
                field.data = field.data.strip()

    def is_bot(self) -> bool:
        return bool(self.website.data)


class ConfirmForm(FlaskForm):
    """A form with only a CSRF token: the confirm button."""


class UnsubscribeForm(FlaskForm):
    """A form with only a CSRF token: the unsubscribe button."""


WORKPLACE_FIELDS = ("employer", "worksite", "department", "work_shift")


@cache
def without_workplace(form: type[SignForm]) -> type[SignForm]:
    """`form` without the workplace fields, for an action that does not ask for them: four
    fields fewer to build and check on every post, and none a crafted post could fill."""
    return type(form.__name__, (form,), dict.fromkeys(WORKPLACE_FIELDS))


class LetterForm(SignForm):
    """Writing to targets: the signer's details plus the letter itself."""

    comment = None  # the letter is the comment
    show_name = None  # letters never appear in a public list
    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(_l("Please give your letter a subject.")),
            Length(max=300, message=_l("Please use at most %(max)d characters.")),
        ],
    )
    body = TextAreaField(
        _l("Your letter"),
        validators=[
            DataRequired(_l("Please write your letter.")),
            Length(max=20000, message=_l("Please use at most %(max)d characters.")),
        ],
    )
    # A letter that reaches Congress carries the postal address CWC requires; shown and
    # required only then (letters.postal checks it with the recipients).
    prefix = SelectField(
        _l("How should the office address you?"),
        choices=[SelectChoice("", "—")] + [SelectChoice(p, p) for p in PREFIXES],
        validate_choice=False,
    )
    address1 = optional_name_field(_l("Street address"), 200, autocomplete="address-line1")
    address2 = optional_name_field(
        _l("Apartment, unit (optional)"), 200, autocomplete="address-line2"
    )
    state = SelectField(
        _l("State"),
        choices=[SelectChoice("", "—")] + [SelectChoice(s, s) for s in STATES],
        validate_choice=False,
        render_kw={"autocomplete": "address-level1"},
    )
    phone = optional_name_field(_l("Phone (optional)"), 20, autocomplete="tel")


class PledgeForm(SignForm):
    """A pledge is signed like a petition; only the words around it differ."""

    comment = TextAreaField(
        _l("Why are you pledging? (optional)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("Please use at most %(max)d characters.")),
        ],
    )
    show_name = BooleanField(_l("Show my first name, initial and city in the list of pledges"))


class RsvpForm(SignForm):
    """An RSVP: the person's details and the shifts they come to (choices set per event)."""

    comment = None
    show_name = None  # who comes to a picket is never listed publicly
    shifts = SelectMultipleField(
        _l("Which shifts will you come to?"),
        coerce=int,
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Please choose at least one shift."))],
        validate_choice=False,  # checked against the event's shifts by the service
    )


class StoryForm(SignForm):
    """A story: the person's details (never published as such), the story and consent."""

    comment = None
    show_name = None
    story = TextAreaField(
        _l("Your story"),
        validators=[
            DataRequired(_l("Please write your story.")),
            Length(max=5000, message=_l("Please use at most %(max)d characters.")),
        ],
    )
    consent = RadioField(
        _l("May we publish your story?"),
        choices=[
            SelectChoice("name_city", _l("Yes, with my first name and city")),
            SelectChoice("anonymous", _l("Yes, without my name")),
            SelectChoice("private", _l("No, it is only for the organizers")),
        ],
        validators=[DataRequired(_l("Please choose whether we may publish your story."))],
    )


class FollowForm(FlaskForm):
    """Get notified about a campaign: a name and an email address."""

    name = first_name_field()
    email = email_field()
    website = StringField(_l("Leave this field empty"))
    source = StringField(validators=[Optional(), Length(max=64)])
