"""Admins move comments in and out: imports (a file upload), streamed exports, personal
data (access and erasure, by e-mail), and the retention run. Every answer is no-store."""

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView
from werkzeug.exceptions import UnsupportedMediaType

from ..auth import current_moderator, require
from ..errors import DetailedError, FieldErrors
from ..extensions import db
from ..models import Role
from ..moderation import personal_data, retention
from ..porting import disqus, export as exporting, isso, wxr
from ..porting.records import ImportFailed, KeyRule
from ..porting.store import import_events
from ..schemas.porting import (ErasureResultSchema, ErasureSchema, ImportArgsSchema,
                               ImportSummarySchema, MaintenanceSchema, PersonalDataArgsSchema,
                               PersonalDataSchema, RestoreSummarySchema, WxrArgsSchema)
from . import Blueprint
from .moderation import json_only, no_store

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin",
                description="For admins: imports, exports, personal data, retention.")
blp.after_request(no_store)

SOURCES = ("wordpress", "disqus", "isso", "json")
_UPLOAD = {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}


class ImportRefused(DetailedError):
    """The file cannot be imported; nothing was written. The line, when known, is given."""

    status_code = 422

    def __init__(self, failure: ImportFailed) -> None:
        self.message_key = failure.key
        if failure.key == "import.concurrent":
            self.status_code = 409
        super().__init__({"file": [failure.key]}, {
            "line": failure.line, "column": failure.column, "detail": str(failure)})


@blp.before_request
def _body() -> None:
    """Uploads may be as large as IMPORT_MAX_CONTENT_LENGTH; other bodies are JSON."""
    if request.endpoint == "admin.Import":
        request.max_content_length = current_app.config["IMPORT_MAX_CONTENT_LENGTH"]
        if request.method == "POST" and request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType()
    else:
        json_only()


@blp.route("/imports/<any(wordpress, disqus, isso, json):source>", endpoint="Import")
class Import(MethodView):
    @require(Role.ADMIN)
    @blp.arguments(ImportArgsSchema(), location="query")
    @blp.doc(requestBody=_UPLOAD)
    @blp.response(200, ImportSummarySchema)
    @blp.alt_response(201, schema=RestoreSummarySchema,
                      description="`json`: a Causerie export restored (ids kept).")
    @blp.alt_response(413, description="The file is over IMPORT_MAX_CONTENT_LENGTH.")
    @blp.alt_response(415, description="The body is not multipart/form-data.")
    @blp.alt_response(409, description="Another import wrote the same comments meanwhile; "
                                       "nothing was written, and running it again is safe.")
    @blp.alt_response(422, description="No file, or a file that cannot be imported (`line`, "
                                       "`column`, `detail` say where and why); nothing written.")
    def post(self, args: dict[str, Any], source: str) -> Any:
        """Import a WordPress WXR, a Disqus XML, an Isso database or a Causerie export
        (form field `file`), in one transaction; importing it again changes nothing."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise FieldErrors({"file": ["import.file_missing"]})
        try:
            if source == "json":
                counts = exporting.restore(db.session(), upload.stream, current_moderator())
                response = current_app.json.response(RestoreSummarySchema().dump(counts))
                response.status_code = 201
                return response
            rule = KeyRule(args["permalink_rule"])
            options = {"actor": current_moderator(), "learn": args["learn"],
                       "locale": current_app.config["DEFAULT_LOCALE"]}
            if source == "isso":
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "isso.db"
                    upload.save(path)
                    summary = import_events(db.session(), "isso", isso.read(path, rule), **options)
            else:
                reader = wxr.read if source == "wordpress" else disqus.read
                stream: IO[bytes] = upload.stream
                summary = import_events(db.session(), source, reader(stream, rule), **options)
        except ImportFailed as failure:
            raise ImportRefused(failure) from None
        current_app.logger.info("import %s: %s comments", source, summary.total)
        return summary.as_dict()


def _download(lines: Iterator[str], mimetype: str, name: str) -> Response:
    def encoded() -> Iterator[bytes]:
        try:
            for line in lines:
                yield line.encode("utf-8")
        finally:
            db.session.rollback()
    response = Response(stream_with_context(encoded()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blp.route("/export.jsonl")
class ExportJson(MethodView):
    @require(Role.ADMIN)
    @blp.doc(responses={"200": {"description": "JSON Lines: a header line, then moderators "
                                "(no token hashes), articles, comments, audit rows.",
                                "content": {"application/x-ndjson": {}}}})
    def get(self) -> Response:
        """Everything, streamed as JSON Lines; `POST /imports/json` reads it back."""
        exporting.audit_export(db.session(), current_moderator(), "json")
        return _download(exporting.json_lines(db.session()), "application/x-ndjson",
                         "causerie-export.jsonl")


@blp.route("/export.wxr")
class ExportWxr(MethodView):
    @require(Role.ADMIN)
    @blp.arguments(WxrArgsSchema(), location="query")
    @blp.doc(responses={"200": {"description": "A WordPress WXR 1.2 file.",
                                "content": {"application/rss+xml": {}}}})
    def get(self, args: dict[str, Any]) -> Response:
        """Every article and comment as WordPress WXR 1.2, streamed."""
        exporting.audit_export(db.session(), current_moderator(), "wxr")
        return _download(exporting.wxr(db.session(), args["base_url"]), "application/rss+xml",
                         "causerie-export.xml")


@blp.route("/personal-data/export")
class PersonalDataExport(MethodView):
    @require(Role.ADMIN)
    @blp.arguments(PersonalDataArgsSchema())
    @blp.response(200, PersonalDataSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Everything held about the person with this e-mail (a POST: no address in URLs)."""
        return personal_data.export(db.session(), data["email"], current_moderator())


@blp.route("/personal-data/erase")
class PersonalDataErase(MethodView):
    @require(Role.ADMIN)
    @blp.arguments(ErasureSchema())
    @blp.response(200, ErasureResultSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Anonymize (default) or delete the comments of this e-mail; audited, not notified."""
        return personal_data.erase(db.session(), data["email"], data["mode"], current_moderator(),
                                   current_app.config["DEFAULT_LOCALE"])


@blp.route("/maintenance")
class Maintenance(MethodView):
    @require(Role.ADMIN)
    @blp.response(200, MaintenanceSchema)
    def post(self) -> dict[str, int]:
        """Apply the retention settings now (what `flask --app wsgi maintenance` does)."""
        return retention.run_maintenance(db.session(), current_app.config, current_moderator())


