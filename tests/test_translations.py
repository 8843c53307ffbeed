"""Every user-facing string exists in Dutch, and the compiled catalogues are current."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


def _po(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_template_and_dutch_catalogue_agree():
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    dutch = _po("nl")
    template_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    dutch_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in dutch if m.id}
    assert template_ids <= dutch_ids


def test_every_dutch_message_is_translated():
    untranslated = [m.id for m in _po("nl") if m.id and (not _filled(m.string) or m.fuzzy)]
    assert untranslated == []


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_compiled_catalogue_matches_source(locale):
    # Babel compiles an untranslated plural as its msgid; an echo of the msgid says nothing.
    source = {_key(m.id): _key(m.string) for m in _po(locale)
              if m.id and _filled(m.string) and not m.fuzzy and _key(m.string) != _key(m.id)}
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(BytesIO(handle.read()))
                    if m.id and _key(m.string) != _key(m.id)}
    assert compiled == source


def _key(value):
    """Plural messages come as lists from a .mo file and as tuples from a .po file."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _filled(string):
    """A translation, and for a plural message every one of its forms."""
    return all(string) if isinstance(string, list | tuple) else bool(string)


def test_every_string_in_the_code_has_a_dutch_translation(tmp_path):
    """Extract afresh, so a new string without a Dutch translation fails here, not in use."""
    from babel.messages.frontend import CommandLineInterface

    root = TRANSLATIONS.parent.parent
    template = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "-k", "_l",
        "-k", "lazy_gettext", "-o", str(template), "--no-location", str(root / "app"),
    ])
    with template.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    translated = {m.id if isinstance(m.id, str) else m.id[0]
                  for m in _po("nl") if m.id and m.string and not m.fuzzy}
    assert sorted(extracted - translated) == []
