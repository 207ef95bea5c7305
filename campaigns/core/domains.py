"""The registrable domain of an email address's host: the part one party controls.

Limits and trends count per registrable domain, so `p1@s1.evil.example` and
`p2@s2.evil.example` are one sender, while `mail.acme.co.uk` and `acme.co.uk` are one too
(the public suffix `co.uk` is not). The public suffix list is the snapshot tldextract ships:
nothing is fetched at run time.
"""

from __future__ import annotations

from functools import lru_cache

import tldextract

# ICANN suffixes only: a private one (a hosting company's) does not split a sender in two.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=8192)
def registrable_domain(host: str) -> str:
    """`host`'s registrable domain; for a suffix nobody registers under (`.example`,
    `localhost`, a private network's names), its last two labels."""
    host = host.strip().strip(".").lower()
    if not host:
        return host
    parts = _extract(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return ".".join(host.split(".")[-2:])
