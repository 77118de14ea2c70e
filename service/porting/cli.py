"""The command line for moving comments and for personal data:

    flask --app wsgi import wordpress|disqus|isso|json FILE [--permalink-rule REGEX] [--learn]
    flask --app wsgi export json|wxr [FILE]
    flask --app wsgi personal-data export|erase EMAIL
    flask --app wsgi maintenance

Imports show a progress bar (bytes read, comments imported) and end with a summary table.
"""

import json

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..cli import _operator
from ..extensions import db
from ..moderation import personal_data, retention
from . import disqus, export as exporting, isso, wxr
from .records import Event, ImportFailed, KeyRule
from .store import Summary, import_events

importing = AppGroup("import", help="Import comments from WordPress, Disqus, Isso, or a Causerie export.")
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_RULE = click.option("--permalink-rule", metavar="REGEX",
                     help="How a permalink becomes an article key: a regular expression whose "
                          "group `key` (or first group) is the key. Default: the post's slug.")
_LEARN = click.option("--learn", is_flag=True,
                      help="Teach the spam model: approved comments as ham, spam as spam.")


def _xml_import(source: str, reader: Callable[[IO[bytes], KeyRule], Iterator[Event]],
                path: Path, rule: str | None, learn: bool) -> None:
    size = path.stat().st_size
    try:
        key_rule = KeyRule(rule)
        with path.open("rb") as stream, click.progressbar(
                length=size, label=f"Importing {path.name}", file=sys.stderr,
                show_pos=False, item_show_func=_counts) as bar:
            def progress(summary: Summary) -> None:
                bar.update(stream.tell() - bar.pos, summary)

            summary = import_events(db.session(), source, reader(stream, key_rule),
                                    actor=_operator(), learn=learn, progress=progress,
                                    locale=current_app.config["DEFAULT_LOCALE"])
            bar.update(size - bar.pos, summary)
    except ImportFailed as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary.table())


def _counts(summary: Summary | None) -> str:
    if summary is None:
        return ""
    return f"{summary.total} imported, {summary.already_present} already there"


@importing.command("wordpress")
@click.argument("file", type=_FILE)
@_RULE
@_LEARN
def import_wordpress(file: Path, permalink_rule: str | None, learn: bool) -> None:
    """Import a WordPress export (WXR, any version)."""
    _xml_import("wordpress", wxr.read, file, permalink_rule, learn)


@importing.command("disqus")
@click.argument("file", type=_FILE)
@_RULE
@_LEARN
def import_disqus(file: Path, permalink_rule: str | None, learn: bool) -> None:
    """Import a Disqus export (XML)."""
    _xml_import("disqus", disqus.read, file, permalink_rule, learn)


@importing.command("isso")
@click.argument("file", type=_FILE)
@_RULE
@_LEARN
def import_isso(file: Path, permalink_rule: str | None, learn: bool) -> None:
    """Import Isso's SQLite database (comments.db)."""
    try:
        key_rule = KeyRule(permalink_rule)
        total = isso.count(file)
        with click.progressbar(length=total, label=f"Importing {file.name}", file=sys.stderr,
                               item_show_func=_counts) as bar:
            def progress(summary: Summary) -> None:
                done = summary.total + summary.already_present + sum(summary.skipped.values())
                bar.update(done - bar.pos, summary)

            summary = import_events(db.session(), "isso", isso.read(file, key_rule),
                                    actor=_operator(), learn=learn, progress=progress,
                                    locale=current_app.config["DEFAULT_LOCALE"])
    except ImportFailed as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary.table())


@importing.command("json")
@click.argument("file", type=_FILE)
def import_json(file: Path) -> None:
    """Restore a Causerie export (JSON Lines), ids included, into an empty database."""
    try:
        with file.open("rb") as stream:
            counts = exporting.restore(db.session(), stream, _operator())
    except ImportFailed as error:
        raise click.ClickException(str(error)) from None
    width = max(map(len, counts))
    click.echo("\n".join(f"{what.ljust(width)}  {count:>6}" for what, count in counts.items()))


exporting_group = AppGroup("export", help="Export everything, as JSON Lines or WordPress WXR.")


def _write(lines: Iterator[str], file: str) -> None:
    stream = click.open_file(file, "w", encoding="utf-8", atomic=file != "-")
    with stream:
        for line in lines:
            stream.write(line)


@exporting_group.command("json")
@click.argument("file", default="-")
def export_json(file: str) -> None:
    """Write every article, comment (every field) and audit row to FILE (default: stdout)."""
    exporting.audit_export(db.session(), _operator(), "json")
    _write(exporting.json_lines(db.session()), file)
    db.session.rollback()


@exporting_group.command("wxr")
@click.argument("file", default="-")
@click.option("--base-url", help="The blog's address: items get <link>BASE/<key>/</link>.")
def export_wxr(file: str, base_url: str | None) -> None:
    """Write a WordPress WXR 1.2 file to FILE (default: stdout)."""
    exporting.audit_export(db.session(), _operator(), "wxr")
    _write(exporting.wxr(db.session(), base_url), file)
    db.session.rollback()


personal = AppGroup("personal-data", help="What is held about a person (by e-mail), and erasing it.")


@personal.command("export")
@click.argument("email")
def personal_export(email: str) -> None:
    """Print, as JSON, everything held about the person with this e-mail address."""
    found = personal_data.export(db.session(), email, _operator())
    click.echo(json.dumps(found, ensure_ascii=False, indent=2))


@personal.command("erase")
@click.argument("email")
@click.option("--delete", "mode", flag_value="delete",
              help="Delete their comments instead of anonymizing them.")
@click.option("--anonymize", "mode", flag_value="anonymize", default=True,
              help="Keep their comments under the name Anonyme/Anonymous (the default).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def personal_erase(email: str, mode: Any, yes: bool) -> None:
    """Anonymize (default) or delete the comments of this e-mail address, and forget it."""
    if not yes:
        click.confirm(f"{'Delete' if mode == 'delete' else 'Anonymize'} every comment of "
                      f"{email}? This cannot be undone.", abort=True)
    done = personal_data.erase(db.session(), email, mode, _operator(),
                               current_app.config["DEFAULT_LOCALE"])
    click.echo(f"{done['comments']} comments {'deleted' if mode == 'delete' else 'anonymized'}.")


@click.command("maintenance")
@with_appcontext
def maintenance() -> None:
    """Apply the retention settings (KEEP_CLIENT_DATA_DAYS, KEEP_SPAM_DAYS, KEEP_PENDING_DAYS)."""
    done = retention.run_maintenance(db.session(), current_app.config, _operator())
    click.echo(f"IP addresses and user agents cleared: {done['client_data_cleared']}\n"
               f"spam deleted: {done['spam_deleted']}\n"
               f"pending moved to the trash: {done['pending_trashed']}")


COMMANDS = (importing, exporting_group, personal, maintenance)

