"""The HTTP API: one flask-smorest Blueprint per resource, and the Api that owns the spec."""

from typing import Any

from flask import Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from .. import i18n
from ..errors import render_error
from ..limits import ARTICLE_KEY


class ArticleKey(BaseConverter):
    """An article key (a slug); anything else does not match the route, hence a 404."""

    regex = ARTICLE_KEY


_LOCATIONS = frozenset({"json", "query", "form", "json_or_form", "headers", "view_args",
                        "files", "cookies"})


def _flatten(messages: Any) -> dict[str, list[str]]:
    """webargs nests errors by location and index ({"json": {"ids": {3: [...]}}}): one level."""
    flat: dict[str, list[str]] = {}

    def walk(value: Any, path: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, path if not path and key in _LOCATIONS else (*path, str(key)))
        elif isinstance(value, list):
            flat.setdefault(".".join(path) or "_schema", []).extend(
                message for message in value if isinstance(message, str))

    walk(messages, ())
    return flat


class CauserieApi(Api):
    """flask-smorest's Api whose errors speak the reader's language, in one JSON shape."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        if error.code is None or error.code < 400:  # 304 Not Modified is no error
            return error.get_response()
        data = getattr(error, "data", None) or {}
        headers = data.get("headers") or {}
        if retry := error.get_headers():  # e.g. 429's Retry-After, 405's Allow
            headers = {**dict(retry), **headers}
            headers.pop("Content-Type", None)
        key = f"http.{error.code}" if i18n.has_message(f"http.{error.code}") else "http.default"
        errors = None
        if error.code == 400 and "messages" in data:  # webargs could not read the body
            cause = getattr(error, "exc", None)
            undecodable = any(isinstance(c, UnicodeDecodeError)
                              for c in (cause, getattr(cause, "__cause__", None)))
            key = "body.encoding" if undecodable else "body.invalid_json"
        elif error.code == 422 and "messages" in data:
            errors = _flatten(data["messages"])
            if list(errors) == ["_schema"]:
                errors, key = None, "body.not_object"
            else:
                key = "validation.failed"
        body, code = render_error(error.code, key, errors)
        return body, code, headers


def register(api: CauserieApi) -> None:
    """Register every resource's blueprint on the Api."""
    from ..auth import declare_scheme
    from . import comments, moderation, ops, screening
    declare_scheme(api)
    for module in (comments, moderation, screening, ops):
        api.register_blueprint(module.blp)


def json_response(body: bytes, status: int = 200) -> Response:
    """A response for a body already serialized to JSON."""
    return Response(body, status=status, mimetype="application/json")
