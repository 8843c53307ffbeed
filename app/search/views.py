"""The search page. The text is sent in the body of a POST, never in the address: a name
in a URL would end up in browser history and server access logs (no personal data in URLs)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SearchField

from app.auth.access import require
from app.auth.permissions import Permission
from app.search.operations import search
from app.web.formkit import Form, length

bp = Blueprint("search_pages", __name__, template_folder="templates")


class SearchForm(Form):
    q = SearchField(_l("Name, address or door number"), validators=[length(80)])


@bp.route("/search", methods=["GET", "POST"])
@require(Permission.DWELLINGS_READ)
def search_page() -> Any:
    form = SearchForm()
    text, hits = "", []
    if request.method == "POST" and form.validate():
        text = (form.q.data or "").strip()
        hits = search(current_user, text) if text else []
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template("search/search.html", form=form, hits=hits, text=text), status
