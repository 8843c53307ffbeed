from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SearchField

from app.auth.access import require
from app.auth.permissions import Permission
from app.search.operations import search
from app.web.formkit import FilterForm, length

bp = Blueprint("search_pages", __name__, template_folder="templates")


class SearchForm(FilterForm):
    q = SearchField(_l("Name, address or door number"), validators=[length(80)])


@bp.route("/search")
@require(Permission.DWELLINGS_READ)
def search_page() -> Any:
    form = SearchForm()
    form.validate()
    text = form.value("q") or ""
    hits = search(current_user, text) if len(text.strip()) >= 1 else []
    return render_template("search/search.html", form=form, hits=hits, text=text)
