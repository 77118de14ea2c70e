"""Operations: health, readiness, metrics, the OpenAPI spec, JSON errors, and quiet logs."""

import io
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from service import create_app
from service.config import TestConfig
from service.extensions import db
from service.logs import JsonFormatter

COMMENTS_PATH = "/api/v1/articles/{article}/comments"
PUBLIC_PATHS = {COMMENTS_PATH, "/api/v1/comments/{comment_id}", "/api/v1/counts",
                "/healthz", "/readyz", "/metrics"}


def test_healthz_answers_without_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_answers_200_when_the_database_does(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the socket is


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app whose database cannot be reached: a folder that does not exist, a closed port."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'causerie.db'}"
    else:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/causerie"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url,
                     SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}}
                     if request.param == "postgresql" else {})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("language", "message"), [
    ("fr", "Le service est momentanément indisponible ; veuillez réessayer plus tard."),
    ("en", "The service is temporarily unavailable; please try again later."),
])
def test_readyz_is_a_json_503_when_the_database_is_unreachable(
        unreachable_app: Flask, language: str, message: str) -> None:
    client = unreachable_app.test_client()
    response = client.get("/readyz", headers={"Accept-Language": language})
    assert response.status_code == 503
    assert response.is_json
    assert response.get_json() == {"code": 503, "status": "Service Unavailable", "message": message}
    assert response.headers["Content-Language"] == language
    assert response.headers["Retry-After"]
    assert client.get("/healthz").status_code == 200  # alive, only not ready


def test_a_public_read_is_a_json_503_too_when_the_database_is_unreachable(
        unreachable_app: Flask) -> None:
    client = unreachable_app.test_client()
    for response in (client.get("/api/v1/articles/a/comments"),
                     client.post("/api/v1/articles/a/comments",
                                 json={"name": "Julie", "text": "Merci !"})):
        assert response.status_code == 503
        assert response.get_json()["code"] == 503
        assert response.headers["Retry-After"]


# --- the spec ------------------------------------------------------------------------

def test_openapi_lists_the_public_paths_and_the_comment_body(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert PUBLIC_PATHS <= set(spec["paths"])
    body = spec["paths"][COMMENTS_PATH]["post"]["requestBody"]
    assert set(body["content"]) >= {"application/json", "application/x-www-form-urlencoded"}
    for content in body["content"].values():
        name = content["schema"]["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
        assert {"name", "text", "email", "website", "parent_id"} <= set(schema["properties"])
        assert schema["properties"]["text"]["maxLength"] == 65525
    responses = spec["paths"][COMMENTS_PATH]["post"]["responses"]
    assert {"201", "403", "409", "413", "415", "422", "429"} <= set(responses)
    assert "200" in spec["paths"][COMMENTS_PATH]["get"]["responses"]


def test_openapi_parameters_are_valid_locations(client: FlaskClient) -> None:
    """OpenAPI 3 parameters live in query, header, path or cookie; a body is a requestBody."""
    spec = client.get("/openapi.json").get_json()
    shared = spec.get("components", {}).get("parameters", {})
    locations = set()
    for path, item in spec["paths"].items():
        operations = [op for method, op in item.items() if method != "parameters"]
        for parameter in [*item.get("parameters", []),
                          *(p for op in operations for p in op.get("parameters", []))]:
            if "$ref" in parameter:
                parameter = shared[parameter["$ref"].rsplit("/", 1)[-1]]
            assert parameter["in"] in ("query", "header", "path", "cookie"), (path, parameter)
            locations.add(parameter["in"])
    assert {"query", "path"} <= locations  # the loop did check the listing's and the ids


def test_docs_is_a_page_that_loads_the_spec(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "openapi.json" in response.get_data(as_text=True)


# --- metrics -------------------------------------------------------------------------

def _answered(client: FlaskClient, endpoint: str, status: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (sample.name == "causerie_http_requests_total"
                    and sample.labels.get("endpoint") == endpoint
                    and sample.labels.get("status") == status):
                return sample.value
    return 0.0


def test_metrics_are_prometheus_text_and_count_requests(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "# TYPE causerie_http_requests_total counter" in response.get_data(as_text=True)
    before = _answered(client, "ops.Health", "200")
    client.get("/healthz")
    client.get("/healthz")
    assert _answered(client, "ops.Health", "200") == before + 2
    missing = _answered(client, "unmatched", "404")
    client.get("/nowhere")
    assert _answered(client, "unmatched", "404") == missing + 1


# --- every answer ---------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "code"), [
    ("GET", "/nowhere", 404), ("GET", "/api/v1/comments/999999", 404),
    ("GET", "/api/v1/comments/not-a-number", 404), ("DELETE", "/healthz", 405),
    ("POST", "/readyz", 405), ("PUT", "/api/v1/counts", 405), ("POST", "/metrics", 405),
])
def test_every_error_is_json_in_the_api_shape(client: FlaskClient, method: str, path: str,
                                              code: int) -> None:
    response = client.open(path, method=method, headers={"Accept-Language": "en"})
    assert response.status_code == code
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code and body["status"] and body["message"]
    assert response.headers["Content-Language"] == "en"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs",
                                  "/api/v1/counts?article=a", "/api/v1/articles/a/comments",
                                  "/nowhere"])
def test_every_answer_says_its_language(client: FlaskClient, path: str) -> None:
    assert client.get(path).headers["Content-Language"] == "fr"
    assert client.get(path, headers={"Accept-Language": "en"}).headers["Content-Language"] == "en"


# --- logs ----------------------------------------------------------------------------

@pytest.fixture
def service_log(make_app: Any) -> Iterator[tuple[Flask, io.StringIO]]:
    """An app logging everything, and what its "service" logger writes (it does not propagate)."""
    app = make_app(LOG_LEVEL="DEBUG", MODERATION="post")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("service")
    logger.addHandler(handler)
    yield app, stream
    logger.removeHandler(handler)


def test_logs_carry_no_email_and_no_ip(service_log: tuple[Flask, io.StringIO]) -> None:
    app, stream = service_log
    client = app.test_client()
    response = client.post("/api/v1/articles/a/comments",
                           json={"name": "Julie", "text": "Merci pour cet article !",
                                 "email": "julie.secret@example.org",
                                 "website": "https://julie.example"},
                           environ_base={"REMOTE_ADDR": "203.0.113.77"},
                           headers={"User-Agent": "Agent-Secret/1.0"})
    assert response.status_code == 201
    client.post("/api/v1/articles/a/comments", json={"name": "Julie", "email": "julie.secret@"
                                                     "example.org"},
                environ_base={"REMOTE_ADDR": "203.0.113.77"})
    logged = stream.getvalue()
    assert f"comment {response.get_json()['id']}" in logged  # the line was written
    assert "julie.secret" not in logged and "example.org" not in logged
    assert "203.0.113.77" not in logged and "Agent-Secret" not in logged


def test_docs_assets_are_served_locally_and_nothing_else(client: FlaskClient) -> None:
    response = client.get("/docs/assets/../../app.py")
    assert response.status_code == 404
    assert client.get("/docs/assets/secret_key").status_code == 404
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
