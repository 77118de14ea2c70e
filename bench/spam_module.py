"""The spam filter and its evaluation (service/moderation/spam.py and evaluation.py),
imported without the rest of the service: they need nothing from Flask, so the bench
scripts run in a venv of their own libraries.

The two packages above them are registered empty, so that their __init__ (which builds
the Flask app's pieces) never runs while the modules' relative imports still resolve.
"""

import importlib
import sys
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _package(name: str, folder: Path) -> None:
    if name not in sys.modules:
        package = types.ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules[name] = package


_package("service", ROOT / "service")
_package("service.moderation", ROOT / "service" / "moderation")
spam: Any = importlib.import_module("service.moderation.spam")
evaluation: Any = importlib.import_module("service.moderation.evaluation")
