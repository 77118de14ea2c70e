"""The command line of notifications: `flask --app wsgi worker`, `webhooks ...`, `outbox ...`."""

import signal
import threading
from types import FrameType
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..models import Delivery, Outbox
from .outbox import EVENTS
from .webhooks import create_webhook, delete_webhook, webhooks as all_webhooks
from .worker import retry, run


@click.command("worker")
@click.option("--batch", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Rows looked at per pass.")
@click.option("--poll", type=click.FloatRange(0.05, 60), default=1.0, show_default=True,
              help="Seconds to wait when nothing is due.")
@click.option("--drain", is_flag=True, help="Stop as soon as nothing is due (for cron or tests).")
def worker(batch: int, poll: float, drain: bool) -> None:
    """Deliver notifications (e-mails, webhooks) from the outbox until stopped.

    SIGTERM or Ctrl-C lets the row being delivered finish, then stops. On PostgreSQL
    several workers may run at once; on SQLite run one.
    """
    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stopping)
    click.echo(f"worker: delivering from {db.engine.url.render_as_string(hide_password=True)}",
               err=True)
    tried = run(db.session(), current_app.config, stop=stop, batch=batch, poll=poll, drain=drain)
    click.echo(f"worker: stopped after {tried} deliveries tried.", err=True)


webhooks = AppGroup("webhooks", help="Register, list and remove webhook endpoints.")


@webhooks.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True, type=click.Choice(EVENTS),
              help="An event to send (repeat the option for several).")
@click.option("--secret", required=True, help="The signing secret, 16 to 200 characters.")
@click.option("--personal-data", is_flag=True,
              help="Include readers' e-mail, IP and user agent in the payloads.")
def add(url: str, events: tuple[str, ...], secret: str, personal_data: bool) -> None:
    """Register an endpoint that receives signed POSTs of the chosen events."""
    from ..cli import _operator
    from ..schemas.notify import WebhookSchema
    errors = WebhookSchema().validate({"url": url, "events": list(events), "secret": secret})
    if errors:
        raise click.ClickException(f"Invalid webhook: {sorted(errors)}")
    hook = create_webhook(db.session(), {"url": url, "events": events, "secret": secret,
                                       "include_personal_data": personal_data}, _operator())
    click.echo(f"Webhook {hook.id} registered for {', '.join(hook.events)}.")


@webhooks.command("list")
def list_webhooks() -> None:
    """List endpoints: id, address, events, personal data."""
    for hook in all_webhooks(db.session()):
        personal = "personal data" if hook.include_personal_data else "no personal data"
        click.echo(f"{hook.id}\t{hook.url}\t{','.join(hook.events)}\t{personal}")


@webhooks.command("remove")
@click.argument("webhook_id", type=int)
def remove(webhook_id: int) -> None:
    """Forget an endpoint."""
    from ..cli import _operator
    from ..errors import NotFound
    try:
        delete_webhook(db.session(), webhook_id, _operator())
    except NotFound:
        raise click.ClickException(f"There is no webhook {webhook_id}.") from None
    click.echo(f"Webhook {webhook_id} removed.")


outbox = AppGroup("outbox", help="See undelivered notifications; retry dead ones.")


@outbox.command("list")
@click.option("--state", type=click.Choice([state.value for state in Delivery]),
              default=Delivery.DEAD.value, show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
def list_outbox(state: str, limit: int) -> None:
    """Rows in a state (dead by default): id, event, channel, tries, last error."""
    rows = db.session.scalars(sa.select(Outbox).where(Outbox.state == Delivery(state))
                              .order_by(Outbox.id.desc()).limit(limit))
    for row in rows:
        click.echo(f"{row.id}\t{row.event}\t{row.channel}:{row.target_id}\t{row.attempts} tries\t"
                   f"{row.last_error or ''}")


@outbox.command("retry")
@click.argument("row_ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Retry every dead row.")
def retry_rows(row_ids: tuple[int, ...], all_dead: bool) -> None:
    """Put dead rows back in the queue, due now."""
    ids: list[Any] = list(row_ids)
    if all_dead:
        ids += db.session.scalars(sa.select(Outbox.id).where(Outbox.state == Delivery.DEAD))
        db.session.commit()
    if not ids:
        raise click.ClickException("Name rows to retry, or use --all-dead.")
    done = [row_id for row_id in ids if retry(db.session(), row_id) is not None]
    if missed := sorted(set(ids) - set(done)):
        click.echo(f"Not dead (or unknown), left as they are: {', '.join(map(str, missed))}")
    click.echo(f"Queued again: {len(done)}.")
