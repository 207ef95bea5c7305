"""The Spanish catalogue stays complete, compiled and consistent with the English sources.

These tests need no database or Redis: they read the sources, the .po and the .mo, and render
one page that touches neither.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from campaigns import create_app

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "campaigns" / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
SPANISH_PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
SPANISH_MO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.mo"

# The same keywords as the extract command in docs/translations.md (pybabel's defaults
# already include _, gettext and ngettext).
EXTRA_KEYWORDS = ["_l", "lazy_gettext"]

# %(name)s, %(max)d and friends; "%%" is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(r"%\(([^)]+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def extract_sources(tmp_path: Path):
    """Extract every message from the sources exactly as `pybabel extract` would."""
    output = tmp_path / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(BABEL_CFG), "-o", str(output)]
    for keyword in EXTRA_KEYWORDS:
        argv += ["-k", keyword]
    argv.append(".")
    # babel.cfg paths are relative to the repository root, so extract from there.
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        CommandLineInterface().run(argv)
    with output.open("rb") as fh:
        return read_po(fh)


def read_spanish():
    with SPANISH_PO.open("rb") as fh:
        return read_po(fh)


def forms(message) -> tuple[str, ...]:
    """A message's strings as a tuple, whether or not it has plural forms."""
    value = message.string
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def entries(catalog) -> dict:
    """(msgid, context) -> translation for every message but the header, hashable throughout."""
    return {(tuple(m.id) if m.pluralizable else m.id, m.context): forms(m) for m in catalog if m.id}


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def label(message) -> str:
    return repr(message.id[0] if isinstance(message.id, tuple) else message.id)


def test_every_source_message_has_a_spanish_translation(tmp_path):
    """Each msgid extracted fresh from the sources is translated, not fuzzy, in es/messages.po."""
    sources = extract_sources(tmp_path)
    spanish = read_spanish()
    assert len([m for m in sources if m.id]) > 0, "extraction found no messages at all"
    problems = []
    for message in sources:
        if not message.id:
            continue
        translated = spanish.get(message.id, message.context)
        if translated is None:
            problems.append(f"missing: {label(message)}")
        elif translated.fuzzy:
            problems.append(f"fuzzy: {label(message)}")
        elif not all(s.strip() for s in forms(translated)):
            problems.append(f"empty: {label(message)}")
        elif message.pluralizable and len(forms(translated)) != spanish.num_plurals:
            problems.append(f"wrong number of plural forms: {label(message)}")
    assert not problems, (
        "Spanish catalogue is incomplete; run pybabel extract/update, translate, "
        "then compile (see docs/translations.md):\n  " + "\n  ".join(problems)
    )


def test_compiled_mo_matches_po():
    """The committed messages.mo holds exactly the translations in messages.po."""
    buffer = io.BytesIO()
    write_mo(buffer, read_spanish(), use_fuzzy=False)
    buffer.seek(0)
    expected = entries(read_mo(buffer))
    with SPANISH_MO.open("rb") as fh:
        committed = entries(read_mo(fh))
    differing = sorted(
        str(key[0])
        for key in expected.keys() | committed.keys()
        if expected.get(key) != committed.get(key)
    )
    assert expected == committed, (
        "messages.mo is out of date; run `pybabel compile -d campaigns/translations`. "
        f"Differing msgids: {differing!r}"
    )


def test_placeholders_match_msgid():
    """Every translation keeps the %(...)s / %(...)d placeholders of its msgid, no more, no less."""
    problems = []
    for message in read_spanish():
        if not message.id or not any(forms(message)):
            continue
        if message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            originals = [singular] + [plural] * (len(forms(message)) - 1)
        else:
            originals = [message.id]
        for original, translation in zip(originals, forms(message), strict=True):
            if placeholders(original) != placeholders(translation):
                problems.append(
                    f"{label(message)}: expected {placeholders(original)}, "
                    f"got {placeholders(translation)} in {translation!r}"
                )
    assert not problems, "Placeholders differ:\n  " + "\n  ".join(problems)


@pytest.fixture
def client():
    """An app with no database tables: only pages that never query it can be requested."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "WTF_CSRF_ENABLED": False,
        }
    )
    return app.test_client()


ENGLISH = "This unsubscribe link is not valid"


def test_page_renders_in_spanish_for_spanish_browsers(client):
    """A browser asking for Spanish gets the page in Spanish, with no English left over."""
    spanish = read_spanish().get(ENGLISH).string
    assert spanish
    response = client.get("/unsubscribe/not-a-valid-token", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert spanish in html
    assert ENGLISH not in html
    assert '<html lang="es">' in html


def test_page_renders_in_english_for_english_browsers(client):
    """A browser asking for English gets the English source text."""
    response = client.get("/unsubscribe/not-a-valid-token", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert ENGLISH in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr-FR,fr;q=0.9", "en"),  # nothing we speak: the first language
        ("", "en"),
        # Longer than what is kept per process: still matched.
        ("x-" + "a" * 300 + ";q=0.1, es;q=0.5", "es"),
    ],
)
def test_the_browsers_language_is_chosen_by_its_weights(app, header, expected):
    from campaigns import select_locale

    with app.test_request_context("/", headers={"Accept-Language": header}):
        assert select_locale() == expected


def test_every_template_is_read_by_the_extractor():
    """Jinja's extractor skips, silently, a template it cannot parse (a statement from an
    extension babel.cfg does not load): its strings would never reach the catalogue. Parsed
    here with the same options, but not silent, every template must parse."""
    import configparser

    from jinja2.ext import babel_extract

    config = configparser.ConfigParser()
    config.read(BABEL_CFG)
    options = dict(config["jinja2: templates/**.html"]) | {"silent": "false"}
    for path in sorted((ROOT / "templates").rglob("*.html")) + sorted(
        (ROOT / "templates").rglob("*.txt")
    ):
        with path.open("rb") as fh:
            list(babel_extract(fh, ["_", "gettext", "ngettext"], [], options))
    # And the macros' count nouns, which once went missing that way, are in Spanish.
    catalog = read_po(SPANISH_PO.open(encoding="utf-8"))
    assert catalog.get(("signature", "signatures")).string == ("firma", "firmas")
