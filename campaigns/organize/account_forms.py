"""Forms for staff accounts: two-factor, passwords, invitations and members."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from campaigns.accounts import passwords
from campaigns.models import Role

ROLE_CHOICES = [
    SelectChoice(Role.owner.value, "owner: everything, members and the audit log too"),
    SelectChoice(Role.organizer.value, "organizer: campaigns, actions, directories, mail"),
    SelectChoice(Role.staff.value, "staff: reads campaigns and the outbox"),
    SelectChoice(Role.viewer.value, "viewer: reads campaigns"),
]


class NewPasswordMixin:
    """A new password typed twice, checked against the rules for `rules_email`."""

    rules_email = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_password.description = (
            f"At least {passwords.min_length()} characters. "
            "A few unrelated words in a row work well."
        )

    def validate_new_password(self, field) -> None:
        reason = passwords.problem(field.data or "", self.rules_email)
        if reason:
            raise ValidationError(reason)


def _new_password_fields():
    return (
        PasswordField(
            "New password",
            validators=[DataRequired(), Length(max=200)],
        ),
        PasswordField(
            "New password again",
            validators=[DataRequired(), EqualTo("new_password", "The two passwords differ.")],
        ),
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=20)],
        description="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )


class EnrolForm(FlaskForm):
    code = StringField(
        "Code from the app",
        validators=[DataRequired(), Length(max=20)],
        description="After adding the account, type the 6 digits the app shows.",
    )


class ReauthForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    code = StringField(
        "Code",
        validators=[Length(max=20)],
        description="The 6 digits your authenticator app shows, or a recovery code.",
    )


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=200)]
    )
    new_password, confirm_password = _new_password_fields()


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    new_password, confirm_password = _new_password_fields()


class InviteForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.organizer.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
