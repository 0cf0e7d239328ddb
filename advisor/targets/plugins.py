"""Loading a user's target: ``--target path/to/file.py:Class`` or ``--target pkg.mod:Class``.

How the tuner makes a plugin: it imports the class named by ``--target`` and calls it with
keyword arguments only, one per ``--target-option KEY=VALUE`` (repeatable)::

    advisor tune my-fn --target plugins/onprem.py:OnPremTarget \\
        --target-option url=http://gpu-box:8080 --target-option max_concurrency=4
    # -> OnPremTarget(url="http://gpu-box:8080", max_concurrency=4)

A VALUE that is a JSON literal (``4``, ``0.5``, ``true``, ``null``, ``"text"``, ``[1, 2]``)
arrives as that value; anything else arrives as the string written. With no options the
class is called with no arguments, so give every constructor parameter a default or expect
the user to pass it. The memory size is never a constructor argument: the tuner sets it
with :meth:`~advisor.targets.Target.configure`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from advisor.errors import InputError, NotFoundError, TargetError, UsageError
from advisor.targets._base import Target

_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_KEY = re.compile(r"[A-Za-z_]\w*")
FORMS = "path/to/file.py:ClassName or package.module:ClassName"


def load_target(spec: str) -> type[Target]:
    """Import a target class named ``path/to/file.py:Class`` or ``package.module:Class``.

    The dotted form also accepts ``package.module.Class``. A file path may be relative (to
    the working directory) or absolute; the file is imported as a module of its own, once.

    Raises:
        UsageError: ``spec`` has neither form, or names something that is not a Target.
        NotFoundError: the file, module or class does not exist.
        InputError: the file or module fails while it is imported (its error is named).
    """
    where, sep, attr = spec.rpartition(":")
    if not sep and not spec.endswith(".py"):
        where, _, attr = spec.rpartition(".")
    if where.endswith(".py") or "/" in where or "\\" in where:
        module = _import_file(Path(where), spec)
    elif where and attr and _MODULE.fullmatch(where):
        module = _import_module(where)
    else:
        raise UsageError(f"target {spec!r} is not {FORMS}", hint="For example plugins/onprem.py:OnPremTarget.")
    if not attr.isidentifier():
        raise UsageError(f"target {spec!r} does not name a class after the colon",
                         hint=f"Write it as {FORMS}.")
    cls = getattr(module, attr, None)
    if cls is None:
        raise NotFoundError(f"{_origin(module, where)} has no {attr!r}",
                            hint="Check the class name after the colon.")
    if not (isinstance(cls, type) and issubclass(cls, Target)):
        raise UsageError(f"{attr!r} in {_origin(module, where)} is not a subclass of advisor.targets.Target",
                         hint="Subclass advisor.targets.Target and implement configure() and invoke().")
    return cls


def parse_target_options(pairs: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings (``--target-option``) as constructor keyword arguments.

    Raises:
        UsageError: a pair without ``=``, a key that is not a Python name, or a key given twice.
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key):
            raise UsageError(f"--target-option {pair!r} is not KEY=VALUE with KEY a Python name",
                             hint="For example --target-option url=http://localhost:8080.")
        if key in options:
            raise UsageError(f"--target-option {key} is given twice")
        options[key] = _value(text)
    return options


def make_target(spec: str, options: Mapping[str, Any] | None = None) -> Target:
    """Load the class named by ``spec`` and construct it with ``options`` as keyword arguments.

    Raises:
        UsageError: the class does not take those options (its parameters are named).
        TargetError: its constructor failed with an error of its own.
    """
    cls = load_target(spec)
    options = dict(options or {})
    try:
        inspect.signature(cls).bind(**options)
    except TypeError as exc:
        raise UsageError(f"target {cls.__name__} cannot be made with {_shown(options)}: {exc}",
                         hint=f"Its parameters: {_parameters(cls)}; pass them as --target-option KEY=VALUE.") from None
    except ValueError:  # no signature to read (a C type): let the call itself decide
        pass
    try:
        return cls(**options)
    except (TargetError, UsageError, NotFoundError, InputError):
        raise
    except Exception as exc:
        raise TargetError(f"target {cls.__name__}({_shown(options)}) failed: {type(exc).__name__}: {exc}",
                          hint="Fix the plugin's constructor or its --target-option values.") from exc


def _import_file(path: Path, spec: str) -> Any:
    if path.suffix != ".py":
        raise UsageError(f"target {spec!r}: {path} is not a .py file", hint=f"Write it as {FORMS}.")
    if not path.is_file():
        raise NotFoundError(f"target file {path} does not exist",
                            hint="Give the path to the .py file, relative to this directory or absolute.")
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode(), usedforsecurity=False).hexdigest()[:12]
    stem = re.sub(r"\W", "_", resolved.stem)
    name = f"advisor_plugin_{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, resolved)
    if module_spec is None or module_spec.loader is None:
        raise InputError(f"cannot import target file {path}", hint="Give a Python source file.")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # before running it: dataclasses and pickling look it up
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise InputError(f"target file {path} failed to import: {type(exc).__name__}: {exc}",
                         hint="Run it with python to see the traceback.") from exc
    return module


def _import_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise NotFoundError(f"cannot import target module {name!r}: {exc}",
                                hint="Check the name and that the module is on PYTHONPATH, "
                                     "or give a path to the .py file.") from exc
        raise InputError(f"target module {name!r} failed to import: {exc}",
                         hint="Install what it needs.") from exc
    except Exception as exc:
        raise InputError(f"target module {name!r} failed to import: {type(exc).__name__}: {exc}",
                         hint=f"Run python -c 'import {name}' to see the traceback.") from exc


def _origin(module: Any, where: str) -> str:
    path = getattr(module, "__file__", None)
    return f"target file {where}" if where.endswith(".py") and path else f"module {where!r}"


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _shown(options: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in options.items()) or "no arguments"


def _parameters(cls: type) -> str:
    try:
        names = [p.name for p in inspect.signature(cls).parameters.values()
                 if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    except (TypeError, ValueError):
        return "unknown"
    return ", ".join(names) or "none"
