"""The HTTP API: one flask-smorest Blueprint per resource, and the Api that owns the spec."""

import json
import re
from typing import Any

import flask_smorest
from flask import Request, Response
from flask_smorest import Api
from webargs.flaskparser import FlaskParser
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


_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyParser(FlaskParser):
    """webargs' parser, except that a JSON body Python cannot hold or keep is a 400, not a 500:
    nesting deeper than the stack, a number past int's digit limit, a lone surrogate (valid
    JSON, but no character: no database can store it)."""

    def _raw_load_json(self, req: Request) -> Any:
        try:
            data = super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as error:
            raise json.JSONDecodeError(str(error), "<body>", 0) from None
        pending = [data]
        while pending:  # no recursion: the body may be nested as deep as the parser allows
            value = pending.pop()
            if isinstance(value, str) and _SURROGATE.search(value):
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "lone surrogate")
            if isinstance(value, dict):
                pending.extend(value)
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
        return data


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, reading bodies with BodyParser."""

    ARGUMENTS_PARSER = BodyParser()


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
        if error.code == 429 and "Retry-After" not in headers and (
                limit := getattr(error, "limit", None)) is not None:
            headers = {**headers, "Retry-After": str(limit.limit.get_expiry())}  # an upper bound
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
    from . import (comments, feeds, moderation, notifications, ops, pages, porting, reader,
                   screening)
    declare_scheme(api)
    api.ma_plugin.converter.add_attribute_function(_timestamp)  # before any schema is documented
    for module in (comments, moderation, screening, ops, reader, notifications, pages, porting,
                   feeds):
        api.register_blueprint(module.blp)


def _timestamp(self: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Our timestamps (schemas.Timestamp) are RFC 3339 date-times in UTC, `Z` and four-digit
    years included: the pattern says so, and the schemathesis pass checks answers against it."""
    from ..schemas import Timestamp
    if isinstance(field, Timestamp):
        return {"format": "date-time", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"}
    return {}


def json_response(body: bytes, status: int = 200) -> Response:
    """A response for a body already serialized to JSON."""
    return Response(body, status=status, mimetype="application/json")
