"""A zip deployment package: read within Lambda's limits, and what native code it holds.

A package runs on another architecture unchanged only if it holds no native code: no ELF
file (shared objects, executables), whatever its name, and no file named as a shared object
(``.so``, ``.so.1``), whatever its content. Files are recognised by their first bytes, not only
their names: a wheel's ``_core.cpython-312-x86_64-linux-gnu.so`` and an extension-less binary
in ``bin/`` are both ELF. An ELF file's header says which machine it was built for
(``e_machine``), which is how a package given with ``--code`` is checked against the
architecture it is meant for.
"""

from __future__ import annotations

import io
import lzma
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Final

from advisor.errors import InputError
from advisor.platform.aws_lambda import ELF_MACHINES, MAX_UNZIPPED_BYTES

ELF_MAGIC: Final = b"\x7fELF"
#: A shared object's name: ``x.so`` or ``x.so.1.2``.
_SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")
#: ``e_machine`` is the 2 bytes at offset 18; byte 5 (``EI_DATA``) says their order (1: little-endian).
_MACHINE_OFFSET, _DATA_OFFSET, _HEADER_BYTES = 18, 5, 20
#: How many native files a message names before it counts the rest.
NAMED: Final = 3


@dataclass(frozen=True)
class NativeFile:
    """A file of the package that is native code.

    Attributes:
        name: Its path in the zip.
        elf: Whether it is an ELF file (False: only its name says it is a shared object).
        architecture: The Lambda architecture its ELF header names (None: not ELF, or another machine).
    """

    name: str
    elf: bool
    architecture: str | None

    def runs_on(self, architecture: str) -> bool:
        """Whether it may run on ``architecture``: an ELF file built for it, or a file only named ``.so``."""
        return not self.elf or self.architecture == architecture


def native_files(data: bytes, *, what: str) -> list[NativeFile]:
    """The native code in the zip ``data``, in the zip's order.

    Args:
        data: The package.
        what: The package in messages (a path, or "the code of FUNCTION").

    Raises:
        InputError: not a zip file, or larger unzipped than Lambda takes.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            unzipped = sum(m.file_size for m in members)
            if unzipped > MAX_UNZIPPED_BYTES:
                raise InputError(f"{what} is {unzipped / 2**20:,.0f} MB unzipped, more than Lambda's "
                                 f"{MAX_UNZIPPED_BYTES // 2**20} MB",
                                 hint="Lambda would not run it; rebuild it smaller.")
            return [found for m in members if (found := _native(m.filename, _head(archive, m))) is not None]
    # An encrypted member raises RuntimeError; a broken compressed stream zlib.error,
    # lzma.LZMAError or OSError (bz2).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, RuntimeError,
            zlib.error, lzma.LZMAError, OSError) as exc:
        raise InputError(f"{what} is not a zip file Lambda can unzip ({exc})",
                         hint="Give the zip deployment package (the file you upload to Lambda).") from None


def describe(files: list[NativeFile]) -> str:
    """``a.so, b.so, bin/x and 12 more``: the first :data:`NAMED` names and a count of the rest."""
    names = ", ".join(f.name for f in files[:NAMED])
    rest = len(files) - NAMED
    return f"{names} and {rest} more" if rest > 0 else names


def _head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    with archive.open(member) as handle:
        return handle.read(_HEADER_BYTES)


def _native(name: str, head: bytes) -> NativeFile | None:
    if head.startswith(ELF_MAGIC):
        return NativeFile(name, True, elf_architecture(head))
    if _SHARED_OBJECT.search(name):
        return NativeFile(name, False, None)
    return None


def elf_architecture(head: bytes) -> str | None:
    """The Lambda architecture an ELF header is for (None: too short, or another machine)."""
    if len(head) < _HEADER_BYTES or not head.startswith(ELF_MAGIC):
        return None
    order = "<" if head[_DATA_OFFSET] == 1 else ">"
    (machine,) = struct.unpack_from(f"{order}H", head, _MACHINE_OFFSET)
    return next((arch for arch, code in ELF_MACHINES.items() if code == machine), None)
