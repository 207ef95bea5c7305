"""What happens to a submission, announced to the features built on submissions.

Submissions sit below letters, partners and events: confirming a signature must release its
letters and share its opt-ins, but this package may not import those. So it sends a signal and
they connect to it when they are imported (the application factory imports every feature
through the blueprints, in web and worker processes alike).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the submission's id after its confirmation is committed.
confirmed = _signals.signal("submission-confirmed")

# Sent with the Submission while its confirmation email is composed; a receiver returns extra
# template context for the kinds of action it owns (an event's RSVPs), or None.
confirmation_context = _signals.signal("confirmation-email-context")
