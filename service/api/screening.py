"""Screening for moderators: the settings in force (admins change them) and statistics."""

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView

from ..auth import current_moderator, require
from ..errors import FieldErrors
from ..extensions import db
from ..models import Role, utcnow
from ..moderation.learning import thresholds_in_force
from ..moderation.settings import KEYS, effective, update
from ..moderation.stats import TIMELINE_DAYS, screening_stats, timeline
from ..schemas import ScreeningSettingsSchema, StatsArgsSchema, StatsSchema, TimelineSchema
from . import Blueprint
from .moderation import json_only, no_store

blp = Blueprint("screening", __name__, url_prefix="/api/v1/moderation",
                description="For moderators: screening settings (admins change them) and "
                            "how screening and the spam model are doing.")
blp.after_request(no_store)
blp.before_request(json_only)


def _in_force() -> dict[str, Any]:
    settings = effective(db.session(), current_app.config)
    return {**{key: settings[key] for key in KEYS},
            "thresholds": asdict(thresholds_in_force(db.session(), settings))}


@blp.route("/settings")
class Settings(MethodView):
    @require()
    @blp.response(200, ScreeningSettingsSchema)
    def get(self) -> dict[str, Any]:
        """The screening settings in force: the environment's, or what an admin saved."""
        return _in_force()

    @require(Role.ADMIN)
    @blp.arguments(ScreeningSettingsSchema())
    @blp.response(200, ScreeningSettingsSchema)
    def put(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some settings (the others stay); each change is audited. Admins only."""
        merged = {**effective(db.session(), current_app.config), **changes}
        if merged["HOLD_THRESHOLD"] > merged["SPAM_THRESHOLD"]:
            raise FieldErrors({"hold_threshold": ["settings.thresholds_order"]})
        update(db.session(), changes, current_app.config, current_moderator())
        return _in_force()


@blp.route("/stats")
class Stats(MethodView):
    @require()
    @blp.arguments(StatsArgsSchema(), location="query")
    @blp.response(200, StatsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Comments per status and per screening reason over a period (30 days by default),
        and the spam model's precision, recall and MCC against the moderators' decisions."""
        return screening_stats(db.session(), *_window(args),
                               effective(db.session(), current_app.config))


def _window(args: dict[str, Any]) -> tuple[datetime, datetime]:
    """The period asked for: until now and 30 days back unless the query says otherwise."""
    until = args["until"] or utcnow()
    since = args["since"] or until - min(timedelta(days=30), until - datetime.min)
    if since >= until:
        raise FieldErrors({"since": ["query.window"]})
    return since, until


@blp.route("/stats/timeline")
class Timeline(MethodView):
    @require()
    @blp.arguments(StatsArgsSchema(), location="query")
    @blp.response(200, TimelineSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Comments per UTC day, by status and by screening reason, over a period (30 days
        by default, 366 at most): what the moderation page draws."""
        since, until = _window(args)
        if until - since > timedelta(days=TIMELINE_DAYS):
            raise FieldErrors({"since": ["query.window_too_long"]})
        return timeline(db.session(), since, until)
