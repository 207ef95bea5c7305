"""The domain model; every model is importable from here."""

from campaigns.database import utcnow
from campaigns.models.action import Action, ActionKind, ActionTranslation
from campaigns.models.api_key import ApiKey, ApiScope
from campaigns.models.audit import AuditEvent
from campaigns.models.campaign import Campaign, CampaignStatus
from campaigns.models.counts import ActionHourlyCount
from campaigns.models.directory import Directory, PostcodeDistrict
from campaigns.models.invitation import Invitation, InvitationStatus
from campaigns.models.letter import LetterSettings, LetterTemplate
from campaigns.models.message import FINAL_STATUSES, Message, MessageStatus
from campaigns.models.organization import Organization
from campaigns.models.outbox import OutboxEmail
from campaigns.models.provider_event import ProviderEvent
from campaigns.models.submission import Submission
from campaigns.models.supporter import Supporter
from campaigns.models.target import ActionTarget, Target
from campaigns.models.user import Membership, RecoveryCode, Role, User
from campaigns.models.webhook import (
    WEBHOOK_EVENTS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "Action",
    "ActionHourlyCount",
    "ActionKind",
    "ActionTarget",
    "ApiKey",
    "ApiScope",
    "FINAL_STATUSES",
    "LetterSettings",
    "LetterTemplate",
    "Message",
    "MessageStatus",
    "ActionTranslation",
    "AuditEvent",
    "Campaign",
    "CampaignStatus",
    "Directory",
    "Invitation",
    "InvitationStatus",
    "Membership",
    "Organization",
    "OutboxEmail",
    "PostcodeDistrict",
    "RecoveryCode",
    "ProviderEvent",
    "Role",
    "Submission",
    "Supporter",
    "Target",
    "User",
    "utcnow",
    "WEBHOOK_EVENTS",
    "DeliveryStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
]
