"""Notification endpoints: webhooks and the outbox (admins), a moderator's own mail
preferences. Answers are `Cache-Control: no-store` like the rest of moderation."""

from typing import Any

import sqlalchemy as sa
from flask import Response
from flask.views import MethodView

from ..auth import current_moderator, require
from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import Moderator, Outbox, Role, Webhook
from ..notify.webhooks import change_webhook, create_webhook, delete_webhook, webhook, webhooks
from ..notify.worker import retry
from ..schemas.notify import (OutboxArgsSchema, OutboxPageSchema, OutboxRowSchema,
                              PreferencesSchema, PreferencesUpdateSchema, WebhookListSchema, WebhookSchema,
                              WebhookUpdateSchema)
from . import Blueprint
from .moderation import json_only, no_store

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/moderation",
                description="Notifications: webhooks and the outbox (admins), "
                            "each moderator's mail preferences.")
blp.after_request(no_store)
blp.before_request(json_only)

WEBHOOK = "/webhooks/<int(max=2147483647):webhook_id>"


class NotDead(DomainError):
    status_code, message_key = 409, "outbox.not_dead"


@blp.route("/webhooks")
class Webhooks(MethodView):
    @require(Role.ADMIN)
    @blp.response(200, WebhookListSchema)
    def get(self) -> dict[str, Any]:
        """Every registered webhook (secrets are never shown)."""
        return {"items": webhooks(db.session())}

    @require(Role.ADMIN)
    @blp.arguments(WebhookSchema())
    @blp.response(201, WebhookSchema)
    def post(self, data: dict[str, Any]) -> Webhook:
        """Register an endpoint for signed POSTs of the events it names (admins)."""
        return create_webhook(db.session(), data, current_moderator())


@blp.route(WEBHOOK)
class OneWebhook(MethodView):
    @require(Role.ADMIN)
    @blp.response(200, WebhookSchema)
    def get(self, webhook_id: int) -> Webhook:
        """One webhook."""
        return webhook(db.session(), webhook_id)

    @require(Role.ADMIN)
    @blp.arguments(WebhookUpdateSchema())
    @blp.response(200, WebhookSchema)
    def patch(self, data: dict[str, Any], webhook_id: int) -> Webhook:
        """Change a webhook's address, events, secret or personal-data flag (admins)."""
        return change_webhook(db.session(), webhook_id, data, current_moderator())

    @require(Role.ADMIN)
    @blp.response(204)
    def delete(self, webhook_id: int) -> Response:
        """Remove a webhook; deliveries still waiting for it are dropped."""
        delete_webhook(db.session(), webhook_id, current_moderator())
        return Response(status=204)


@blp.route("/outbox")
class OutboxRows(MethodView):
    @require(Role.ADMIN)
    @blp.arguments(OutboxArgsSchema(), location="query")
    @blp.response(200, OutboxPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Outbox rows in one state (dead by default), newest first, with their last error."""
        rows = db.session.scalars(sa.select(Outbox).where(Outbox.state == args["state"])
                                  .order_by(Outbox.id.desc()).limit(args["limit"]))
        return {"items": list(rows)}


@blp.route("/outbox/<int(max=2147483647):row_id>/retry")
class RetryRow(MethodView):
    @require(Role.ADMIN)
    @blp.response(200, OutboxRowSchema)
    @blp.alt_response(409, description="The row is not dead.")
    def post(self, row_id: int) -> Outbox:
        """Queue a dead delivery again, due now, its tries counted afresh (admins)."""
        if db.session.get(Outbox, row_id) is None:
            raise NotFound()
        row = retry(db.session(), row_id)
        if row is None:
            raise NotDead()
        return row


@blp.route("/me")
class Preferences(MethodView):
    @require()
    @blp.response(200, PreferencesSchema)
    def get(self) -> Moderator:
        """Your own mail preferences: address, each/digest/none, digest interval, language."""
        return current_moderator()

    @require()
    @blp.arguments(PreferencesUpdateSchema(partial=True))
    @blp.response(200, PreferencesSchema)
    def patch(self, data: dict[str, Any]) -> Moderator:
        """Change your mail address or preferences."""
        moderator = current_moderator()
        for key, value in data.items():
            setattr(moderator, key, value)
        db.session.commit()
        return moderator
