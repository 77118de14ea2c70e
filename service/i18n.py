"""Languages: which one a request gets, and every sentence a person can read, by key.

The English sentence is the gettext msgid; `translations/fr/LC_MESSAGES/messages.po`
holds the French one. Code speaks in keys (`text.missing`); only this module knows
sentences, so the catalog and the API contract can be checked against each other.
"""

from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale, lazy_gettext as _l

from .limits import BULK_MAX, COUNTS_MAX, EMAIL_MAX, NAME_MAX, PAGE_MAX, TEXT_MAX, WEBSITE_MAX

MESSAGES = {
    # The form's own sentences (API.md), word for word.
    "text.missing": _l("Please enter your comment!"),
    "name.missing": _l("Please enter your name here"),
    "email.invalid": _l("You have entered an incorrect email address!"),
    "email.missing": _l("Please enter your email address here"),
    # Other field errors.
    "text.too_long": _l("Your comment is too long: %(max)s characters at most.", max=TEXT_MAX),
    "name.too_long": _l("Your name is too long: %(max)s characters at most.", max=NAME_MAX),
    "email.too_long": _l("Your email address is too long: %(max)s characters at most.", max=EMAIL_MAX),
    "website.invalid": _l("Please enter a web address that starts with http:// or https://."),
    "website.too_long": _l("Your web address is too long: %(max)s characters at most.", max=WEBSITE_MAX),
    "parent.unknown": _l("The comment you are replying to does not exist or is not published."),
    "parent.invalid": _l("The comment you are replying to must be given by its number."),
    "field.not_text": _l("This field must be text."),
    "field.invalid": _l("This value is not valid."),
    "validation.failed": _l("Some fields need your attention."),
    # Answers to a posted comment.
    "comment.pending": _l("Thank you! Your comment is awaiting moderation."),
    "comment.approved": _l("Thank you! Your comment is published."),
    "comment.duplicate": _l("Duplicate comment detected; it looks as though you’ve already said that!"),
    "article.closed": _l("Comments are closed on this article."),
    # Request shape.
    "body.invalid_json": _l("The request body is not valid JSON."),
    "body.not_object": _l("The request body must be a JSON object."),
    "body.encoding": _l("The request body is not valid UTF-8 text."),
    "query.cursor": _l("This page cursor is not valid; start again from the first page."),
    "query.limit": _l("The limit must be a whole number from %(low)s to %(high)s.", low=1, high=PAGE_MAX),
    "query.order": _l("The order must be oldest or newest."),
    "query.article": _l("An article key is 1 to 200 letters, digits, dots, underscores, tildes or hyphens."),
    "query.articles": _l("Name from 1 to %(max)s articles.", max=COUNTS_MAX),
    # Screening: why a comment was held or marked, and its settings.
    "reason.honeypot": _l("A hidden field that people leave empty was filled in."),
    "reason.links": _l("It contains too many links."),
    "reason.blocked_word": _l("It contains a blocked word."),
    "reason.held_word": _l("It contains a word that holds comments for moderation."),
    "reason.model_spam": _l("The spam model is almost sure it is spam."),
    "reason.model_suspect": _l("The spam model finds it suspicious."),
    "reason.model_unavailable": _l("The spam model could not score it."),
    "reason.returning_author": _l("Its author has an earlier approved comment."),
    "reason.spam_history": _l("Its e-mail address or IP address is on a comment that moderators marked as spam."),
    "settings.threshold": _l("A threshold is a number from 0 to 1."),
    "settings.thresholds_order": _l("The hold threshold must not be above the spam threshold."),
    "settings.words": _l("A word list holds at most 1000 words of at most 100 characters each."),
    "settings.rate": _l("This rate limit is not valid; write it like 1 per 15 seconds;30 per hour."),
    "settings.field_name": _l("The hidden field's name is 1 to 64 letters, digits, hyphens or underscores."),
    "settings.number": _l("This must be a whole number in the allowed range."),
    "settings.moderation": _l("Moderation is pre or post."),
    "field.not_boolean": _l("This field must be true or false."),
    "query.datetime": _l("Dates are written in ISO 8601, for example 2026-11-24T10:00:00Z."),
    "query.window": _l("The start of the period must come before its end."),
    "query.window_too_long": _l("A timeline covers at most 366 days."),
    "query.search": _l("Search for at most 200 characters."),
    # Moderation.
    "auth.token_in_query": _l("Send the moderator token in the Authorization header, never in the address."),
    "auth.admin_only": _l("Only an administrator can do this."),
    "status.invalid": _l("The status must be pending, approved, rejected, spam or trash."),
    "moderation.nothing": _l("Give a new status, a corrected text, or both."),
    "moderation.id": _l("A comment is named by its number, a whole number from 1."),
    "moderation.ids": _l("Name from 1 to %(max)s comments by their numbers.", max=BULK_MAX),
    "moderation.unknown_ids": _l("Some of these comments do not exist; nothing was changed."),
    "moderation.conflict": _l("Another moderator changed this comment meanwhile; nothing was changed."),
    "moderation.parent_not_approved": _l("This reply answers a comment that is not published; approve that one first."),
    # The author's edit window.
    "edit.closed": _l("The time to edit or delete this comment is over."),
    "edit.token": _l("This comment can only be changed from the browser that posted it, during the edit window."),
    # The reader's widget and the pages of a form without JavaScript ({placeholders} are
    # filled in by the widget).
    "ui.comments": _l("Comments"),
    "ui.count_zero": _l("No comments yet"),
    "ui.count_one": _l("1 comment"),
    "ui.count_many": _l("%(count)s comments", count="{count}"),
    "ui.order": _l("Order of the comments"),
    "ui.oldest": _l("Oldest first"),
    "ui.newest": _l("Newest first"),
    "ui.more": _l("More comments"),
    "ui.form_title": _l("Leave a comment"),
    "ui.name": _l("Name"),
    "ui.email": _l("Email (optional, never shown)"),
    "ui.email_required": _l("Email (never shown)"),
    "ui.website": _l("Website (optional)"),
    "ui.text": _l("Comment"),
    "ui.honeypot": _l("Leave this field empty"),
    "ui.notify_replies": _l("Email me when someone replies"),
    "ui.feed": _l("Follow these comments (Atom feed)"),
    "ui.submit": _l("Post the comment"),
    "ui.sending": _l("Sending…"),
    "ui.reply": _l("Reply"),
    "ui.replying": _l("Replying to {name}"),
    "ui.cancel": _l("Cancel"),
    "ui.pending": _l("Awaiting moderation"),
    "ui.deleted": _l("This comment was deleted."),
    "ui.edit": _l("Edit"),
    "ui.save": _l("Save"),
    "ui.delete": _l("Delete"),
    "ui.confirm_delete": _l("Delete for good?"),
    "ui.edit_until": _l("You can edit or delete it until {time}."),
    "ui.retry": _l("You can post again in {seconds} seconds."),
    "ui.offline": _l("The comments could not be reached; please try again later."),
    "ui.not_sent": _l("Your comment was not sent"),
    "ui.sent": _l("Your comment was sent"),
    "ui.back": _l("Back to the article"),
    "ui.fix": _l("Please correct what is marked below and send it again."),
    # Notifications: mails, their confirmation pages, webhooks, preferences.
    "notify.email_missing": _l("To be told of replies, please enter your email address."),
    "notify.mode": _l("The preference is each, digest or none."),
    "notify.digest_minutes": _l("A digest interval is a whole number of minutes from 5 to 1440."),
    "notify.language": _l("The language is fr or en."),
    "webhook.url": _l("A webhook address is an http or https URL of at most 2000 characters."),
    "webhook.events": _l("Choose one or more of comment.created, comment.status_changed, comment.published and article.closed."),
    "webhook.secret": _l("A webhook secret is 16 to 200 characters."),
    "outbox.not_dead": _l("Only a dead delivery can be retried."),
    "mail.moderator.subject": _l("A comment awaits moderation"),
    "mail.digest.subject": _l("Comments await moderation"),
    "mail.reply.subject": _l("Someone replied to your comment"),
    "mail.article": _l("Article"),
    "mail.author": _l("Author"),
    "mail.reasons": _l("Screening"),
    "mail.score": _l("Spam score"),
    "mail.none": _l("none"),
    "mail.waiting": _l("Comments waiting"),
    "mail.approve": _l("Approve"),
    "mail.spam": _l("Mark as spam"),
    "mail.trash": _l("Move to the trash"),
    "mail.links": _l("Each link opens a page where you confirm; it works once, until:"),
    "mail.moderator.why": _l("You get this e-mail because you moderate these comments; your preferences are at /api/v1/moderation/me."),
    "mail.reply.intro": _l("A reply to your comment was published:"),
    "mail.reply.yours": _l("Your comment:"),
    "mail.reply.read": _l("Read it on the article:"),
    "mail.reply.why": _l("You get this e-mail because you asked to be told of replies to your comment."),
    "mail.unsubscribe": _l("Stop these e-mails:"),
    "page.moderate.title": _l("Confirm a moderation decision"),
    "page.moderate.ask": _l("Nothing has changed yet. Confirm with the button below."),
    "page.moderate.approved": _l("Done: the comment is published."),
    "page.moderate.spam": _l("Done: the comment is marked as spam."),
    "page.moderate.trash": _l("Done: the comment is in the trash."),
    "page.link.used": _l("This link has already been used; it works only once."),
    "page.link.expired": _l("This link has expired; decide from the moderation queue instead."),
    "page.link.invalid": _l("This link is not valid."),
    "page.link.revoked": _l("This moderator access has been revoked."),
    "page.unsubscribe.title": _l("Stop reply notifications"),
    "page.unsubscribe.ask": _l("Stop all e-mails about replies to your comments?"),
    "page.unsubscribe.button": _l("Unsubscribe"),
    "page.unsubscribe.done": _l("Done: you will no longer get e-mails about replies."),
    # Imports, exports, personal data, feeds.
    "import.invalid": _l("This file cannot be imported; nothing was written."),
    "import.malformed": _l("This file is not well-formed XML (see its line and column); nothing was written."),
    "import.concurrent": _l("Another import wrote the same comments meanwhile; nothing was written. Run it again."),
    "import.rule": _l("The permalink rule is not a valid regular expression."),
    "import.file_missing": _l("Send the file to import in the form field named file."),
    "erase.mode": _l("The mode is anonymize or delete."),
    "feed.article_title": _l("Comments on"),
    "feed.site_title": _l("Latest comments"),
    "feed.entry_title": _l("Comment by"),
    # HTTP errors, by status code.
    "http.400": _l("The request is malformed."),
    "http.401": _l("A valid moderator token is required."),
    "http.403": _l("You are not allowed to do this."),
    "http.404": _l("Nothing was found at this address."),
    "http.405": _l("This method is not allowed at this address."),
    "http.409": _l("This conflicts with the current state; reload and try again."),
    "http.413": _l("The request is too large."),
    "http.414": _l("The address is too long."),
    "http.415": _l("Send JSON or a form (application/json, application/x-www-form-urlencoded or multipart/form-data)."),
    "http.428": _l("This request must be conditional."),
    "http.429": _l("You are posting too fast; please wait a moment and try again."),
    "http.431": _l("The request headers are too large."),
    "http.500": _l("Something went wrong on our side; please try again later."),
    "http.503": _l("The service is temporarily unavailable; please try again later."),
    "http.default": _l("The request could not be processed."),
}


def locale() -> str:
    """The request's language: `lang` parameter, then Accept-Language, then the default."""
    if (chosen := g.get("locale")) is None:
        supported = current_app.config["SUPPORTED_LOCALES"]
        if (asked := request.args.get("lang", "").lower()) not in supported:
            asked = (request.accept_languages.best_match(supported)
                     or current_app.config["DEFAULT_LOCALE"])
        chosen = g.locale = asked
    return str(chosen)


def message(key: str) -> str:
    """The sentence for `key` in the request's language (an unknown key reads as invalid),
    or in the one `force_locale` chose (mails). Each is looked up in the catalogs once per
    process: the catalogs do not change while it runs, and the look-up cost 50 µs."""
    if key not in MESSAGES:
        key = "field.invalid"
    wanted = (get_locale(), key)
    if (sentence := _SENTENCES.get(wanted)) is None:
        sentence = _SENTENCES[wanted] = str(MESSAGES[key])
    return sentence


_SENTENCES: dict[tuple[Any, str], str] = {}


def has_message(key: str) -> bool:
    """True when `key` names a sentence of the catalog."""
    return key in MESSAGES


def _content_language(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Language", locale())
    # Vary is usually empty (or Origin, from CORS): append without parsing it as a set.
    vary = headers.get("Vary")
    if not vary:
        headers["Vary"] = "Accept-Language"
    elif "accept-language" not in vary.lower():
        headers["Vary"] = f"{vary}, Accept-Language"
    return response


def register(app: Flask) -> None:
    """Say on every answer which language it speaks."""
    app.after_request(_content_language)


__all__ = ["locale", "message", "has_message", "register", "MESSAGES"]
