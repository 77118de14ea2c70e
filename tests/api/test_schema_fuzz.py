"""The OpenAPI document and the service never drift: schemathesis generates requests for
every operation of /openapi.json, sends them to the app (on each database, with an admin's
token), and fails on any 5xx or any answer that the document does not describe.

Bounded: a fixed number of examples per operation, derandomized so a run is repeatable.
"""

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance)

from service import create_app
from service.config import TestConfig

EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _operations() -> list[str]:
    """Every operation's label ("GET /api/v1/counts"); reading the spec touches no database."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    spec = schemathesis.openapi.from_wsgi("/openapi.json", app)
    return sorted(result.ok().label for result in spec.get_all_operations())


@pytest.mark.parametrize("label", _operations())
def test_every_answer_is_documented_and_none_is_a_5xx(app: Flask, ada: dict[str, str],
                                                      label: str) -> None:
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app).find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def exchange(case: Any) -> None:
        case.validate_response(case.call(headers=ada), checks=CHECKS)

    exchange()
