"""Structured logs: one JSON object per line, on stderr. Never an email or an IP address."""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str) -> None:
    """Send the service's logs to stderr as JSON lines at `level`."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    # flask-limiter's own logger says when its Redis fails and when it is back.
    for name in ("service", "flask-limiter"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
