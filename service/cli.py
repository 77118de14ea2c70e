"""The command line: `flask --app wsgi moderators create|list|revoke|rotate`, and
`flask --app wsgi spam train|evaluate|replay FILE...` for the spam model.

A new token is printed once, alone on the last line, so a script can take it with
`tail -n 1`; nothing else ever shows it again. Every change is in the audit trail,
made by `cli:<the user running the command>`.
"""

import csv
import getpass
import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .auth import (ModeratorError, create_moderator, fingerprint, moderators as all_moderators,
                   revoke_moderator, rotate_token)
from .extensions import db
from .models import NotifyMode, Role
from . import replay
from .moderation import learning
from .spamfilter import corpora, evaluation
from .moderation.settings import effective

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,99}\.[^@\s]+")
moderators = AppGroup("moderators", help="Create, list, revoke and rotate moderator tokens.")


def _operator() -> str:
    """Who runs the command, for the audit trail: the command line holds no token."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (e.g. a container's numeric user)
        return "cli:unknown"


@moderators.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice([role.value for role in Role]),
              default=Role.MODERATOR.value, show_default=True,
              help="Admins may also purge comments and close articles.")
@click.option("--email", default=None, help="Where notifications go.")
@click.option("--notify", type=click.Choice([mode.value for mode in NotifyMode]), default=None,
              help="Mail each pending comment, a digest, or none (default: each with --email).")
@click.option("--language", type=click.Choice(["fr", "en"]), default=None,
              help="The language of their mails (default: DEFAULT_LOCALE).")
def create(name: str, role: str, email: str | None, notify: str | None,
           language: str | None) -> None:
    """Create a moderator and print their token, once."""
    if email is not None and (len(email.strip()) > 100 or not _EMAIL.fullmatch(email.strip())):
        raise click.ClickException(f"Not an e-mail address: {email!r}.")
    mode = NotifyMode(notify) if notify else NotifyMode.EACH if email else NotifyMode.NONE
    try:
        moderator, token = create_moderator(db.session(), name, Role(role), _operator(),
                                            email=email.strip().lower() if email else None,
                                            notify=mode, language=language)
    except ModeratorError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {moderator.role.value} {moderator.name}. "
               "Their token follows; it is shown only this once:")
    click.echo(token)


@moderators.command("list")
def list_() -> None:
    """List moderators: name, role, state, creation date, token fingerprint."""
    for moderator in all_moderators(db.session()):
        state = f"revoked {moderator.revoked_at:%Y-%m-%d}" if moderator.revoked_at else "active"
        click.echo(f"{moderator.name}\t{moderator.role.value}\t{state}\t"
                   f"created {moderator.created_at:%Y-%m-%d}\t{fingerprint(moderator)}")


@moderators.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke a moderator's token; it stops working at once."""
    try:
        moderator = revoke_moderator(db.session(), name, _operator())
    except ModeratorError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Revoked {moderator.name}.")


@moderators.command("rotate")
@click.argument("name")
def rotate(name: str) -> None:
    """Give a moderator a new token (printed once); the old one stops working at once."""
    try:
        moderator, token = rotate_token(db.session(), name, _operator())
    except ModeratorError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"New token for {moderator.name}; the old one no longer works. "
               "It is shown only this once:")
    click.echo(token)


spam_model = AppGroup("spam", help="Train the spam model from labelled files, or evaluate it.")
_FILES = click.Path(exists=True, dir_okay=False, path_type=Path)


_READ_ERRORS = (KeyError, ValueError, UnicodeDecodeError, csv.Error)


@spam_model.command("train")
@click.argument("files", nargs=-1, type=_FILES)
def train(files: tuple[Path, ...]) -> None:
    """Teach the stored model labelled comments (YouTube CSV: AUTHOR, CONTENT, CLASS 1=spam;
    or SMS lines: spam|ham, a tab, the text).

    With files, each distinct text is learned once per call; the model adds to what it
    knew. Without, the model is rebuilt: the shipped corpora (the starter model), then
    every comment as the moderators decided it.
    """
    if not files:
        starter, decided = learning.rebuild(db.session())
        db.session.commit()
        spam_total, ham_total = learning.totals(db.session())
        click.echo(f"Rebuilt the model from the shipped corpora ({starter} comments) and "
                   f"{decided} moderators' decisions. It now knows {spam_total} spam and "
                   f"{ham_total} ham comments.")
        return
    try:
        rows = corpora.deduplicated(row for path in files for row in corpora.read_labelled(path))
    except _READ_ERRORS as error:
        raise click.ClickException(f"Cannot read the files: {error!r}") from None
    learning.learn(db.session(), [(sample, is_spam, +1) for sample, is_spam in rows])
    db.session.commit()
    spam_total, ham_total = learning.totals(db.session())
    learned = sum(is_spam for _, is_spam in rows)
    click.echo(f"Learned {len(rows)} comments ({learned} spam, {len(rows) - learned} ham). "
               f"The model now knows {spam_total} spam and {ham_total} ham comments.")


@spam_model.command("replay")
@click.argument("files", nargs=-1, required=True, type=_FILES)
@click.option("--shuffle", type=int, metavar="SEED",
              help="Stream the comments in a shuffled order (the same for the same seed).")
@click.option("--limit", type=click.IntRange(min=1), help="Stream only the first N comments.")
@click.option("--no-starter", is_flag=True, help="Start from an empty model instead.")
def replay_(files: tuple[Path, ...], shuffle: int | None, limit: int | None,
            no_starter: bool) -> None:
    """Stream labelled comments through the screening as a site would live them, each
    decided by its label and learnt, in a temporary database (never the site's); print
    per half the spam marked spam, the legitimate comments marked spam, the share held
    and the MCC."""
    from .app import create_app  # the app imports this module: build one only when asked
    try:
        everything = replay.stream(files, shuffle)
    except _READ_ERRORS as error:
        raise click.ClickException(f"Cannot read the files: {error!r}") from None
    rows = everything[:limit] if limit else everything
    if len(rows) < 2:
        raise click.ClickException("Give at least two distinct labelled comments.")
    article = files[0].stem[:200] if len(files) == 1 else "replay"
    result = replay.replay(rows, lambda **config: create_app(SECRET_KEY="replay", **config),
                           article=article, starter=not no_starter, leave_out=everything,
                           progress=lambda n: click.echo(f"... {n} of {len(rows)}", err=True))
    click.echo(result.format())


@spam_model.command("evaluate")
@click.argument("files", nargs=-1, required=True, type=_FILES)
@click.option("--suggest", is_flag=True,
              help="Also choose thresholds for these files by the rule the defaults follow, "
                   "and show the figures they give.")
def evaluate(files: tuple[Path, ...], suggest: bool) -> None:
    """Leave-one-file-out: train on the other files, test on each one, with the thresholds
    in force; prints precision, recall, F1, the MCC three ways (held as not spam, held as
    spam, held left out) and the share of ham marked spam. --suggest adds thresholds."""
    if len(files) < 2:
        raise click.ClickException("Give at least two files: each is tested on the others.")
    in_force = effective(db.session(), current_app.config)
    try:
        scored = evaluation.leave_one_out(list(files))
    except _READ_ERRORS as error:
        raise click.ClickException(f"Cannot read the files: {error!r}") from None
    click.echo(evaluation.evaluate(files, in_force["SPAM_THRESHOLD"], in_force["HOLD_THRESHOLD"],
                             scored=scored).format())
    if suggest:
        click.echo("\n" + _suggestion(files, scored))


def _suggestion(files: tuple[Path, ...], scored: list[tuple[evaluation.Split, evaluation.Scored]]) -> str:
    """The thresholds the documented rule picks for these files, said as they are."""
    pairs = evaluation.pooled(scored)
    if not (any(is_spam for _, is_spam in pairs) and not all(is_spam for _, is_spam in pairs)):
        raise click.ClickException("Cannot suggest thresholds: the comments tested (those not "
                                   "already in another file) must hold both spam and ham.")
    spam_t, hold_t = evaluation.choose_thresholds(pairs)
    report = evaluation.evaluate(files, spam_t, hold_t, scored=scored)
    limit = evaluation.MAX_HAM_MARKED_SPAM
    marks = (f"the best MCC of the spam mark with at most {limit:.0%} of ham marked spam"
             if spam_t < 1.0 else "marks nothing: every lower value marks more than "
             f"{limit:.0%} of ham as spam")
    holds = (f"the shortest queue with a decided MCC of at least {evaluation.MIN_DECIDED_MCC:g}"
             if (report.decided_mcc or 0.0) >= evaluation.MIN_DECIDED_MCC else
             f"no value reaches a decided MCC of {evaluation.MIN_DECIDED_MCC:g}; this one has "
             "the best flag MCC")
    return (f"Suggested: SPAM_THRESHOLD={spam_t:g} ({marks}), HOLD_THRESHOLD={hold_t:g} "
            f"({holds}). They are tuned on these same files, so a new site will do a little "
            "worse. Set them with PUT /api/v1/moderation/settings.\n" + report.format())
