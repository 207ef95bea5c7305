"""Event actions: shifts, RSVPs with capacity and a waitlist, calendar files, reminders.

Importing the package connects its receiver of `submissions.signals.confirmation_context`,
which adds an event's RSVPs to the confirmation email.
"""

from campaigns.events import emails  # noqa: F401
