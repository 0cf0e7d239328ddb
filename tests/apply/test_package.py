"""The native-code detector: ELF files by their first bytes (and machine), shared objects by name."""

from __future__ import annotations

import io
import struct
import sys
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import InputError
from advisor.platform.aws_lambda import ELF_MACHINES, architecture_of
from advisor.targets.lambda_package import NativeFile, describe, elf_architecture, native_files


def elf(machine: int, *, little: bool = True, rest: bytes = b"") -> bytes:
    """An ELF header (64-bit) for ``machine``, then ``rest``."""
    ident = b"\x7fELF" + bytes([2, 1 if little else 2, 1]) + bytes(9)
    return ident + struct.pack("<HH" if little else ">HH", 3, machine) + bytes(44) + rest


def package(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


MACHINES = {**ELF_MACHINES, "other": 40}  # 40: 32-bit ARM, no Lambda architecture
names = st.builds(lambda stem, suffix: stem + suffix, st.from_regex(r"[a-z][a-z0-9_/]{0,12}[a-z0-9]", fullmatch=True),
                  st.sampled_from(["", ".py", ".so", ".so.1", ".so.1.2", ".txt", ".pyc", ".sox", ".so.py"]))
contents = st.one_of(st.binary(max_size=64),
                     st.builds(lambda m, little, rest: elf(MACHINES[m], little=little, rest=rest),
                               st.sampled_from(sorted(MACHINES)), st.booleans(), st.binary(max_size=16)))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(names, contents, max_size=8))
def test_native_files_are_exactly_the_elf_files_and_the_files_named_as_shared_objects(files):
    found = native_files(package(list(files.items())), what="pkg")
    expected = []
    for name, data in files.items():
        if data.startswith(b"\x7fELF"):
            expected.append(NativeFile(name, True, elf_architecture(data[:20])))
        elif name.endswith(".so") or (".so." in name and name.rsplit(".so.", 1)[1].replace(".", "").isdigit()):
            expected.append(NativeFile(name, False, None))
    assert found == expected


@pytest.mark.parametrize(("machine", "little", "architecture"), [
    (62, True, "x86_64"), (183, True, "arm64"), (183, False, "arm64"), (40, True, None)])
def test_an_elf_header_names_the_architecture_it_was_built_for(machine, little, architecture):
    assert elf_architecture(elf(machine, little=little)) == architecture


def test_this_interpreter_is_elf_for_this_machines_architecture():
    import platform

    with open(sys.executable, "rb") as handle:
        head = handle.read(20)
    assert elf_architecture(head) == architecture_of(platform.machine())


def test_a_file_only_named_so_runs_anywhere_and_an_elf_only_on_its_machine():
    assert NativeFile("a.so", False, None).runs_on("arm64")
    assert NativeFile("b", True, "x86_64").runs_on("x86_64") and not NativeFile("b", True, "x86_64").runs_on("arm64")
    assert not NativeFile("c", True, None).runs_on("x86_64")


def test_describe_names_three_files_and_counts_the_rest():
    files = [NativeFile(f"lib{i}.so", False, None) for i in range(5)]
    assert describe(files) == "lib0.so, lib1.so, lib2.so and 2 more"
    assert describe(files[:2]) == "lib0.so, lib1.so"


def test_a_file_that_is_not_a_zip_is_an_input_error_naming_it():
    with pytest.raises(InputError, match=r"the package of fn is not a zip file Lambda can unzip"):
        native_files(b"PK\x03\x04 not really", what="the package of fn")


def _damaged(flip: str) -> bytes:
    """A one-file deflated zip with its member marked encrypted, or its deflate stream broken."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", "print(1)\n" * 100)
    data = bytearray(buffer.getvalue())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    if flip == "encrypted":
        data[local + 6] |= 1  # general purpose flag bit 0, in both headers
        data[central + 8] |= 1
    else:
        start = local + 30 + len("app.py")
        data[start:start + 8] = b"\xff" * 8
    return bytes(data)


@pytest.mark.parametrize("flip", ["encrypted", "broken"])
def test_a_zip_whose_members_cannot_be_read_is_an_input_error_naming_it(flip):
    # zipfile raises RuntimeError for an encrypted member and zlib.error for a broken stream.
    with pytest.raises(InputError, match=r"the package of fn is not a zip file Lambda can unzip"):
        native_files(_damaged(flip), what="the package of fn")
