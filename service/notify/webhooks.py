"""Webhooks: endpoints admins register, and the signed POST that delivers an event.

The signature is Stripe's scheme under our name: `Causerie-Signature: t=<unix seconds>,
v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the endpoint's secret>`.

A delivery resolves the host itself and connects to an address it has checked: never a
loopback, private, link-local or otherwise non-global one unless WEBHOOK_ALLOW_PRIVATE
says so, so a webhook cannot probe the internal network (nor be rebound to it by DNS
between a check and the connection). Redirects are not followed; timeouts are short.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import Webhook
from ..moderation.decisions import Actor, record

USER_AGENT = "Causerie-Webhook/1"


class Undeliverable(Exception):
    """Trying again would not help (e.g. an address that is not allowed)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Causerie-Signature header's value for this body at this time."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def body_of(payload: Mapping[str, Any]) -> bytes:
    """The raw JSON body of a delivery (the bytes that are signed)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def deliver(url: str, secret: str, payload: Mapping[str, Any], *, timeout: float,
            allow_private: bool) -> None:
    """POST the signed event; returns on a 2xx, raises OSError (retry) or Undeliverable."""
    body = body_of(payload)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "Causerie-Event": str(payload.get("event")), "Causerie-Event-Id": str(payload.get("id")),
               "Causerie-Signature": signature(secret, int(time.time()), body)}
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Undeliverable(f"not an http(s) address: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _allowed_address(parts.hostname, port, allow_private)
    raw = socket.create_connection((address, port), timeout=timeout)
    connected: socket.socket = raw
    try:
        if parts.scheme == "https":
            connected = ssl.create_default_context().wrap_socket(raw, server_hostname=parts.hostname)
        connection = (http.client.HTTPSConnection if parts.scheme == "https"
                      else http.client.HTTPConnection)(parts.hostname, port, timeout=timeout)
        connection.sock = connected  # already connected, to the address that was checked
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        status = response.status
    finally:
        connected.close()
        raw.close()
    if 300 <= status < 400:
        raise OSError(f"HTTP {status}: redirects are not followed")
    if not 200 <= status < 300:
        raise OSError(f"HTTP {status}")


def _allowed_address(host: str, port: int, allow_private: bool) -> str:
    """The first address `host` resolves to that a delivery may connect to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"cannot resolve {host}: {error.strerror}") from None
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if allow_private or ip.is_global:
            return str(ip)
    raise Undeliverable(f"{host} resolves only to addresses that are not public "
                        "(set WEBHOOK_ALLOW_PRIVATE=true to allow them)")


def webhooks(session: Session) -> list[Webhook]:
    """Every registered endpoint, oldest first."""
    return list(session.scalars(sa.select(Webhook).order_by(Webhook.id)))


def webhook(session: Session, webhook_id: int) -> Webhook:
    found = session.get(Webhook, webhook_id)
    if found is None:
        raise NotFound()
    return found


def create_webhook(session: Session, data: Mapping[str, Any], actor: Actor) -> Webhook:
    """Register an endpoint; audited; one commit."""
    hook = Webhook(url=data["url"], events=sorted(set(data["events"])), secret=data["secret"],
                   include_personal_data=bool(data.get("include_personal_data")))
    session.add(hook)
    session.flush()
    record(session, actor, "webhook.create", field="url", old=None, new=f"{hook.id} {hook.url}")
    session.commit()
    return hook


def change_webhook(session: Session, webhook_id: int, data: Mapping[str, Any],
                   actor: Actor) -> Webhook:
    """Change an endpoint's address, events, secret or personal-data flag; one commit."""
    hook = webhook(session, webhook_id)
    for key in ("url", "secret", "include_personal_data"):
        if data.get(key) is not None:
            setattr(hook, key, data[key])
    if data.get("events") is not None:
        hook.events = sorted(set(data["events"]))
    record(session, actor, "webhook.change", field="url", old=None, new=f"{hook.id} {hook.url}")
    session.commit()
    return hook


def delete_webhook(session: Session, webhook_id: int, actor: Actor) -> None:
    """Forget an endpoint; deliveries still waiting for it are dropped by the worker."""
    hook = webhook(session, webhook_id)
    record(session, actor, "webhook.delete", field="url", old=f"{hook.id} {hook.url}", new=None)
    session.delete(hook)
    session.commit()
