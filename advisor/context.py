"""Where a command works: its workspace directory, resolved once, with that workspace's prices.

Every command resolves its workspace here, once (``--workspace DIR``, else ``$ADVISOR_HOME``,
else ``./.advisor``), and hands the :class:`Context` down: the price catalog that every
pricing-sensitive figure uses, and the open store when the command reads or writes records.
So ``-w DIR`` and ``ADVISOR_HOME=DIR`` give the same figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.location import resolve_path
from advisor.pricing import PriceCatalog

if TYPE_CHECKING:
    from advisor.workspace import Workspace


@dataclass
class Context:
    """A command's workspace: its directory, its prices and, when opened, its store.

    Attributes:
        path: The workspace directory.
        prices: Its price catalog (bundled, merged with user and workspace overrides).
        store: The open store, or ``None`` when the command did not ask for it.
    """

    path: Path
    prices: PriceCatalog
    store: Workspace | None = None

    @classmethod
    def of(cls, workspace: Path | None) -> Context:
        """The context of ``workspace`` without opening its store."""
        path = resolve_path(workspace)
        return cls(path, PriceCatalog.for_workspace(path))

    @classmethod
    @contextmanager
    def resolve(cls, workspace: Path | None, *, store: bool = True) -> Iterator[Context]:
        """The context of ``workspace``; with ``store``, its store is open inside the block.

        Raises:
            InputError: the store cannot be opened or created (see :meth:`Workspace.open`).
        """
        context = cls.of(workspace)
        if not store:
            yield context
            return
        from advisor.workspace import Workspace  # DuckDB only for the commands that need it

        with Workspace.open(context.path) as opened:
            context.store = opened
            yield context
