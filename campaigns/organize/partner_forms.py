"""Forms on a campaign's Partners page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from campaigns.models import SharingMode


class PartnerSettingsForm(FlaskForm):
    sharing = RadioField(
        "Share with the partner",
        choices=[
            SelectChoice(
                SharingMode.all.value,
                "All opt-ins: everyone who ticks the partner's box, wherever they came from",
            ),
            SelectChoice(
                SharingMode.proportional.value,
                "Proportional: only people the partner's own links and embeds brought",
            ),
        ],
        default=SharingMode.all.value,
        validators=[DataRequired("Choose how opt-ins are shared.")],
    )
    cap = IntegerField(
        "Cap (optional)",
        validators=[Optional(), NumberRange(min=1, max=10_000_000, message="At least 1.")],
        description="At most this many people are shared with the partner; leave empty for "
        "no limit. Once reached, the forms stop offering the partner's box.",
    )
    source = StringField(
        "Source code",
        validators=[Optional(), Length(max=64)],
        description="What the partner's links and embeds carry as ?source=. Empty: the "
        "partner's web address (slug).",
    )


class AddPartnerForm(PartnerSettingsForm):
    organization = StringField(
        "Partner organization's web address (slug)",
        validators=[DataRequired("Enter the partner's slug."), Length(max=80)],
        description="As in its organizer pages' address: /organize/<slug>/.",
    )
