"""Make isso-0.14.0.db with the real Isso: comments posted through Isso's own HTTP API.

Run it with an interpreter that has `isso==0.14.0` installed, in a throwaway venv:

    python3 -m venv /tmp/isso-venv && /tmp/isso-venv/bin/pip install isso==0.14.0
    /tmp/isso-venv/bin/python tests/data/isso/make_isso_db.py

It writes tests/data/isso/isso-0.14.0.db (replacing it) and prints what it holds; the
expected counts are in this folder's README.md and asserted by tests/porting.
"""

import json
import os
import sys
from pathlib import Path

from werkzeug.test import Client
from werkzeug.wrappers import Response

from isso import Isso, config, core

OUT = Path(__file__).resolve().parent / "isso-0.14.0.db"


def main() -> None:
    if OUT.exists():
        OUT.unlink()
    conf = config.load(config.default_file())
    conf.set("general", "dbpath", str(OUT))
    conf.set("general", "host", "http://blog.example/")
    conf.set("guard", "enabled", "off")
    conf.set("moderation", "enabled", "true")
    conf.set("hash", "algorithm", "none")

    class App(Isso, core.Mixin):
        pass

    app = App(conf)
    wsgi = app.wsgi_app

    def fixed_ip(environ: dict, start_response: object) -> object:
        environ["REMOTE_ADDR"] = "203.0.113.57"  # Isso stores it anonymized: 203.0.113.0
        environ["HTTP_USER_AGENT"] = "Mozilla/5.0 (isso fixture)"
        return wsgi(environ, start_response)

    app.wsgi_app = fixed_ip  # type: ignore[method-assign]
    client = Client(app, Response)

    def post(uri: str, title: str, **body: object) -> int:
        response = client.post(f"/new?uri={uri}", data=json.dumps({"title": title, **body}),
                               headers={"Content-Type": "application/json"})
        assert response.status_code in (201, 202), (response.status_code, response.data)
        return int(json.loads(response.data)["id"])

    first = "/2024/05/premier-billet/"
    a = post(first, "Premier billet", author="Léa", email="lea@example.org",
             website="https://lea.example", text="Très bon billet, *merci* !")
    b = post(first, "Premier billet", author="Marc", email="marc@example.org",
             text="Je ne suis pas d'accord.\n\nVoici pourquoi : https://example.com/why",
             parent=a)
    c = post(first, "Premier billet", author="Léa", email="lea@example.org",
             text="Réponse à Marc, au troisième niveau.", parent=b)
    d = post(first, "Premier billet", author="", text="Un commentaire anonyme.")
    e = post(first, "Premier billet", author="Spammeur", text="Buy cheap pills http://spam.example")
    second = "/about.html"
    f = post(second, "À propos", author="Zoé", email="zoe@example.org",
             text="<script>alert(1)</script> Bonjour <b>Zoé</b>")
    g = post(second, "À propos", author="Zoé", text="Ce commentaire sera supprimé, il a une réponse.")
    h = post(second, "À propos", author="Paul", text="Je réponds à un commentaire supprimé.",
             parent=g)
    # A moderator approves all but e (left pending); g is then deleted by its author
    # through the API, and Isso keeps it as mode 4 because h answers it.
    for id in (a, b, c, d, f, g, h):
        app.db.comments.activate(id)
    response = client.delete(f"/id/{g}")
    assert response.status_code == 200, (response.status_code, response.data)
    rows = app.db.execute("SELECT id, tid, parent, mode, author, remote_addr FROM comments").fetchall()
    for row in rows:
        print(*row, sep="\t")
    print(f"wrote {OUT.name}: {len(rows)} comments", file=sys.stderr)
    os.chmod(OUT, 0o644)


if __name__ == "__main__":
    main()
