"""The service's own gunicorn.conf.py, for every server the bench runs (Causerie, Isso and
the bare floor alike), with one change: no access log (the bench measures the apps, not
the logger). bench/serve.py passes it with `--config`; the bind address and the worker
count are set there. Change the project's gunicorn.conf.py and the bench follows.
"""

import runpy
from pathlib import Path

globals().update({name: value for name, value in runpy.run_path(
    str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")).items()
    if not name.startswith("__")})
accesslog = None
