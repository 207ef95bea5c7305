"""Letters to targets: writing them from a supporter's submission, holding and releasing
them, delivering them by each target's channel, the daily digest, and the provider's events.

Importing the package connects `compose.release_confirmed` to `submissions.signals.confirmed`:
a confirmation releases the letters written in that person's name.
"""

from campaigns.letters import compose  # noqa: F401
