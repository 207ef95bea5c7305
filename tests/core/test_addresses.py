import pytest

from campaigns.core.addresses import canonical_email


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Maria@Example.ORG", "maria@example.org"),
        ("  maria@example.org ", "maria@example.org"),
        ("m.a.r.i.a+petition@gmail.com", "maria@gmail.com"),
        ("Maria.Garcia@googlemail.com", "mariagarcia@gmail.com"),
        ("maria+union@outlook.com", "maria@outlook.com"),
        ("maria.garcia@outlook.com", "maria.garcia@outlook.com"),
        ("maria+tag@example.org", "maria+tag@example.org"),
        ("maria.garcia@example.org", "maria.garcia@example.org"),
    ],
)
def test_canonical_email(typed, key):
    """Aliases of one mailbox at the big providers share a key; other domains keep theirs."""
    assert canonical_email(typed) == key
