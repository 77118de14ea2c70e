"""The floor: bare Flask apps that answer a constant body, under the service's gunicorn settings.

BENCH_BODY names a file holding the listing's JSON. `bytes_app` sends those bytes as they
are (what a perfect cache costs); `jsonify_app` jsonifies the same data on every request
(what serializing a page costs).
"""

import json
import os
from pathlib import Path

from flask import Flask, Response, jsonify

BODY = Path(os.environ["BENCH_BODY"]).read_bytes()
DATA = json.loads(BODY)

bytes_app = Flask("bare_bytes")
jsonify_app = Flask("bare_jsonify")
jsonify_app.json.ensure_ascii = False  # type: ignore[attr-defined]  # as the listing: same size


@bytes_app.get("/body")
def constant_bytes() -> Response:
    return Response(BODY, mimetype="application/json")


@jsonify_app.get("/body")
def constant_json() -> Response:
    return jsonify(DATA)
