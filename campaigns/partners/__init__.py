"""Coalition partners: which organizations co-sponsor a campaign, what they are offered,
and sharing the people who opted in to them once they confirm.

Importing the package connects `offers.queue_sharing` to `submissions.signals.confirmed`.
"""

from campaigns.partners import offers  # noqa: F401
