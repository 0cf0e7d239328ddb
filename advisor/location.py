"""Where the workspace is: ``--workspace DIR``, else ``$ADVISOR_HOME``, else ``./.advisor``."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DIRNAME = ".advisor"
HOME_ENV = "ADVISOR_HOME"


def resolve_path(path: Path | None) -> Path:
    """The workspace directory for ``path`` (``None``: ``$ADVISOR_HOME`` or ``./.advisor``)."""
    if path is not None:
        return Path(path).expanduser()
    home = os.environ.get(HOME_ENV)
    return Path(home).expanduser() if home else Path.cwd() / DEFAULT_DIRNAME
