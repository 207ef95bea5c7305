"""The domain model; every model is importable from here."""

from campaigns.database import utcnow
from campaigns.models.action import Action, ActionKind, ActionTranslation
from campaigns.models.api_key import ApiKey, ApiScope
from campaigns.models.audit import AuditEvent
from campaigns.models.campaign import Campaign, CampaignStatus
from campaigns.models.constituent import Call, ConstituentAddress
from campaigns.models.counts import ActionHourlyCount
from campaigns.models.directory import Directory, PostcodeDistrict
from campaigns.models.district_map import DistrictMap
from campaigns.models.event import Rsvp, RsvpStatus, Shift
from campaigns.models.export import Export, ExportStatus
from campaigns.models.follow import CampaignUpdate, Follow
from campaigns.models.integrity import (
    ListEntry,
    ListKind,
    ListName,
    RateLimit,
    Trend,
    TrendStatus,
)
from campaigns.models.invitation import Invitation, InvitationStatus
from campaigns.models.letter import LetterSettings, LetterTemplate
from campaigns.models.message import FINAL_STATUSES, Message, MessageStatus
from campaigns.models.organization import Organization
from campaigns.models.outbox import OutboxEmail
from campaigns.models.partner import CampaignPartner, OptIn, OptInState, SharingMode
from campaigns.models.provider_event import ProviderEvent
from campaigns.models.retention import RetentionPolicy
from campaigns.models.signup_table import SignupTable
from campaigns.models.story import Story, StoryConsent, StoryStatus
from campaigns.models.submission import Submission
from campaigns.models.supporter import Supporter
from campaigns.models.supporter_import import ImportStatus, SupporterImport
from campaigns.models.suppression import Suppression
from campaigns.models.tag import Tag, Tagging
from campaigns.models.target import ActionTarget, Channel, Target
from campaigns.models.tracking import Milestone, PetitionDelivery, PetitionDeliveryStatus
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
    "Call",
    "Channel",
    "ConstituentAddress",
    "ApiKey",
    "ApiScope",
    "FINAL_STATUSES",
    "LetterSettings",
    "ListEntry",
    "ListKind",
    "ListName",
    "RateLimit",
    "Trend",
    "TrendStatus",
    "LetterTemplate",
    "Message",
    "MessageStatus",
    "ActionTranslation",
    "AuditEvent",
    "Campaign",
    "CampaignPartner",
    "CampaignUpdate",
    "Follow",
    "CampaignStatus",
    "Directory",
    "DistrictMap",
    "Export",
    "ExportStatus",
    "Invitation",
    "InvitationStatus",
    "Membership",
    "Milestone",
    "Organization",
    "OptIn",
    "OptInState",
    "OutboxEmail",
    "PetitionDelivery",
    "PetitionDeliveryStatus",
    "PostcodeDistrict",
    "RecoveryCode",
    "ProviderEvent",
    "RetentionPolicy",
    "Role",
    "Rsvp",
    "RsvpStatus",
    "SharingMode",
    "Shift",
    "SignupTable",
    "Story",
    "StoryConsent",
    "StoryStatus",
    "Submission",
    "Supporter",
    "Suppression",
    "SupporterImport",
    "ImportStatus",
    "Tag",
    "Tagging",
    "Target",
    "User",
    "utcnow",
    "WEBHOOK_EVENTS",
    "DeliveryStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
]
