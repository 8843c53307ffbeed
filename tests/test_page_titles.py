"""Every page's title is text: a block title that holds markup shows tags in the browser's
tab and history (and its markup is missing from the page where it was meant to be)."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
TITLE = re.compile(r"{%-?\s*block title\s*-?%}(.*?){%-?\s*endblock", re.S)


def test_no_page_title_holds_markup():
    templates = sorted(APP.rglob("*.html"))
    assert len(templates) > 30
    marked_up = [f"{path.relative_to(APP)}: {title.strip()[:60]}"
                 for path in templates
                 for title in TITLE.findall(path.read_text(encoding="utf-8"))
                 if "<" in title]
    assert not marked_up, marked_up
