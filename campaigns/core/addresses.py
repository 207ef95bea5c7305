"""Canonical email addresses, so one person signing as alias addresses is one signature."""

from __future__ import annotations

# Providers that deliver name+anything@ to name@. Gmail also ignores dots in the local part
# and treats googlemail.com as gmail.com. The UK petitions site normalizes the same way to
# stop one mailbox signing many times.
PLUS_ALIAS_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "fastmail.com",
        "proton.me",
        "protonmail.com",
    }
)
DOT_BLIND_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}


def canonical_email(address: str) -> str:
    """The key that identifies a mailbox: lower case, provider aliases removed."""
    address = address.strip().lower()
    local, sep, domain = address.rpartition("@")
    if not sep:
        return address
    if domain in PLUS_ALIAS_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in DOT_BLIND_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{DOMAIN_ALIASES.get(domain, domain)}"
