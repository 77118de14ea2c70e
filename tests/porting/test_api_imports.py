"""The admin API for imports: a file upload, the same summary as the command line,
refusals in the reader's language with the line, nothing written on a failure."""

import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from service.auth import create_moderator
from service.extensions import db
from service.models import Article, Comment, Role

DATA = Path(__file__).resolve().parents[1] / "data"
URL = "/api/v1/admin/imports"


def upload(path: Path, name: str | None = None) -> dict[str, Any]:
    return {"file": (io.BytesIO(path.read_bytes()), name or path.name)}


def count(app: Flask, model: Any = Comment) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_uploads_of_each_kind(app: Flask, ada: dict[str, str], marc: dict[str, str]) -> None:
    client = app.test_client()
    theme = DATA / "wordpress-wxr" / "themeunittestdata.wordpress.xml"
    assert client.post(f"{URL}/wordpress", data=upload(theme)).status_code == 401
    assert client.post(f"{URL}/wordpress", data=upload(theme), headers=marc).status_code == 403
    response = client.post(f"{URL}/wordpress", data=upload(theme), headers=ada)
    assert response.status_code == 200, response.get_json()
    summary = response.get_json()
    assert summary["imported"] == 29 and summary["by_status"] == {"approved": 26, "pending": 3}
    assert summary["skipped"] == {"pingback": 2, "trackback": 2} and summary["replies"] == 10
    assert summary["articles_closed"] == 3 and response.headers["Cache-Control"] == "no-store"
    again = client.post(f"{URL}/wordpress", data=upload(theme), headers=ada).get_json()
    assert again["imported"] == 0 and again["already_present"] == 29
    isso = client.post(f"{URL}/isso", data=upload(DATA / "isso" / "isso-0.14.0.db"), headers=ada)
    assert isso.status_code == 200 and isso.get_json()["imported"] == 7
    disqus = client.post(f"{URL}/disqus?permalink_rule=(?P<key>[a-z]+)$&learn=true",
                         data=upload(DATA / "disqus" / "isso-tests-disqus.xml"), headers=ada)
    assert disqus.status_code == 200 and disqus.get_json()["learned"] == 4
    assert count(app) == 29 + 7 + 4


def test_refusals_write_nothing_and_speak_the_readers_language(
        make_app: Any, tmp_path: Path) -> None:
    app = make_app(IMPORT_MAX_CONTENT_LENGTH=7000)
    with app.app_context():
        ada = {"Authorization": "Bearer " + create_moderator(db.session, "ada", Role.ADMIN,
                                                             "cli:test")[1]}
    client = app.test_client()
    fr = {**ada, "Accept-Language": "fr"}
    malformed = client.post(f"{URL}/disqus", headers=fr,
                            data=upload(DATA / "disqus" / "remark42-testdata-disqus.xml"))
    assert malformed.status_code == 422
    body = malformed.get_json()
    assert body["message"].startswith("Ce fichier n'est pas du XML bien formé")
    assert (body["line"], body["column"]) == (1, 1) and "line 1" in body["detail"]
    missing = client.post(f"{URL}/wordpress", headers={**ada, "Accept-Language": "en"},
                          data={"other": "x"}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == {"file": ["Send the file to import in the form field named file."]}
    assert client.post(f"{URL}/wordpress", headers=ada, json={"file": "x"}).status_code == 415
    assert client.post(f"{URL}/typepad", headers=ada, data=upload(DATA / "README.md")).status_code == 404
    too_big = client.post(f"{URL}/wordpress", headers=ada,
                          data=upload(DATA / "wordpress-wxr" / "isso-tests-wordpress.xml"))
    assert too_big.status_code == 413 and too_big.is_json
    not_isso = client.post(f"{URL}/isso", headers=ada,
                           data={"file": (io.BytesIO(b"not a database at all" * 50), "c.db")})
    assert not_isso.status_code == 422 and "not an Isso database" in not_isso.get_json()["detail"]
    rule = client.post(f"{URL}/wordpress?permalink_rule=(", headers=fr,
                       data={"file": (io.BytesIO(b"<rss/>"), "x.xml")})
    assert rule.status_code == 422
    assert rule.get_json()["message"] == "La règle de permalien n'est pas une expression régulière valide."
    assert count(app) == 0 and count(app, Article) == 0


def test_two_uploads_of_one_file_at_once_import_it_once(app: Flask, ada: dict[str, str]) -> None:
    from concurrent.futures import ThreadPoolExecutor
    wxr = DATA / "wordpress-wxr" / "isso-tests-wordpress.xml"

    def send(_: int) -> int:
        response = app.test_client().post(f"{URL}/wordpress", data=upload(wxr), headers=ada)
        assert response.is_json
        return response.status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(send, range(2)))
    # Serialized (200, 200), or the second refused as a whole: 409 (PostgreSQL), 503 (SQLite busy).
    assert codes[0] == 200 and codes[1] in (200, 409, 503), codes
    assert count(app) == 8
    assert app.test_client().post(f"{URL}/wordpress", data=upload(wxr),
                                  headers=ada).get_json()["already_present"] == 8
