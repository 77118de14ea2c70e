"""Telling people: the outbox of notifications, and what delivers it (docs/notifications.md).

`outbox` turns the events of a transaction into outbox rows just before it commits;
`worker` delivers due rows (e-mail through `mail`, signed POSTs through `webhooks`),
retrying with backoff until a row is sent or dead.
"""
