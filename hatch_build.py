"""Hatchling build hook: compile the bulk import's C parser (``advisor/logs/_scan.c``).

The one compiled part of advisor (see docs/import.md for why): a plain C extension built
with setuptools' compiler support, next to its source for editable installs and into the
wheel otherwise. It is optional at run time: if it cannot be built, the build warns and
advisor imports large logs through its slower SQL path instead.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

EXTENSION = "advisor.logs._scan"
SOURCES = ["advisor/logs/_scan.c"]
COMPILE_ARGS = ["-O3", "-std=c11", "-D_GNU_SOURCE"]


class ExtensionBuildHook(BuildHookInterface):
    """Builds :data:`EXTENSION` for wheels (into the wheel) and editable installs (in place)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        editable = version == "editable"
        self._build_dir = Path(tempfile.mkdtemp(prefix="advisor-ext-"))
        try:
            built = _build(Path(self.root), editable=editable, build_lib=self._build_dir)
        except Exception as exc:  # noqa: BLE001 - any compiler failure: build without it
            print(f"advisor: the C parser was not built ({exc}); large imports use the SQL path.",
                  file=sys.stderr)
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if not editable:
            build_data["force_include"][str(built)] = str(
                Path(*EXTENSION.split(".")[:-1]) / built.name)

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        build_dir = getattr(self, "_build_dir", None)
        if build_dir is not None:
            shutil.rmtree(build_dir, ignore_errors=True)


def _build(root: Path, *, editable: bool, build_lib: Path) -> Path:
    """Compile the extension; return the built file."""
    from setuptools import Distribution, Extension

    extension = Extension(EXTENSION, [str(root / source) for source in SOURCES],
                          extra_compile_args=COMPILE_ARGS)
    distribution = Distribution({"name": "advisor", "ext_modules": [extension]})
    distribution.src_root = str(root)
    command = distribution.get_command_obj("build_ext")
    command.build_lib = str(build_lib)
    command.build_temp = str(build_lib / "temp")
    command.ensure_finalized()
    command.run()
    built = build_lib / command.get_ext_filename(EXTENSION)
    if not editable:
        return built
    # An editable install imports from the source tree: the module goes beside its source.
    target = root / Path(command.get_ext_filename(EXTENSION))
    shutil.copyfile(built, target)
    return target
