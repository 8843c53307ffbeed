"""Fill the Dutch catalogue from tools/nl.json (msgid → Dutch) and report what is missing.

Usage: python tools/translate.py   (run by `make translations` after extract/update)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app/translations/nl/LC_MESSAGES/messages.po"
DICTIONARY = ROOT / "tools/nl.json"


def main() -> int:
    dictionary: dict[str, str] = json.loads(DICTIONARY.read_text(encoding="utf-8"))
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    catalog.fuzzy = False
    catalog.project, catalog.version = "Buurtpad", "1"
    catalog.copyright_holder, catalog.msgid_bugs_address = "Buurtpad", ""
    catalog.last_translator = catalog.language_team = "Buurtpad <nl>"
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in dictionary:
            message.string = dictionary[key]
            message.flags.discard("fuzzy")
        elif not message.string:
            missing.append(key)
    with PO.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    # English is the source language: its catalogue stays empty but must compile.
    english = ROOT / "app/translations/en/LC_MESSAGES/messages.po"
    with english.open("rb") as handle:
        english_catalog = read_po(handle, locale="en")
    english_catalog.fuzzy = False
    with english.open("wb") as handle:
        write_po(handle, english_catalog, omit_header=False, sort_output=True, width=100)
    for key in missing:
        print(f"missing Dutch translation: {key!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
