"""service/moderation/spam.py loaded alone, for the bench scripts: it needs nothing from
the Flask app, so they run in a venv with their own libraries and without the service's."""

import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _load() -> Any:
    path = ROOT / "service" / "moderation" / "spam.py"
    spec = importlib.util.spec_from_file_location("causerie_spam", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


spam = _load()
