"""Operations: liveness, readiness, metrics."""

import hmac

from flask import Response, current_app, request
from flask.views import MethodView
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import DomainError, Unauthenticated
from ..extensions import db
from ..metrics import exposition
from . import Blueprint

blp = Blueprint("ops", __name__, description="Health, readiness and metrics.")


class DatabaseUnavailable(DomainError):
    status_code, message_key = 503, "http.503"


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200)
    def get(self) -> dict[str, str]:
        """The process is alive (it checks nothing else)."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200)
    @blp.alt_response(503, description="The database cannot be reached.")
    def get(self) -> dict[str, str]:
        """The database answers a query; 503 otherwise."""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            raise DatabaseUnavailable(headers={"Retry-After": "5"}) from None
        return {"status": "ready"}


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.response(200, content_type=CONTENT_TYPE_LATEST)
    @blp.alt_response(401, description="METRICS_TOKEN is set and the request lacks it.")
    def get(self) -> Response:
        """Prometheus metrics in the text exposition format (with METRICS_TOKEN set, only
        for `Authorization: Bearer <METRICS_TOKEN>`)."""
        if token := current_app.config["METRICS_TOKEN"]:
            sent = request.headers.get("Authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
                raise Unauthenticated()
        return Response(exposition(), mimetype=CONTENT_TYPE_LATEST.split(";")[0])
