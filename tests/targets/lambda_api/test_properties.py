"""Invariants of the emulator's parsers and log tail, over generated inputs (no server)."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from advisor.targets.lambda_api.faults import Faults
from advisor.targets.lambda_api.logtail import TAIL_BYTES, encode
from advisor.targets.lambda_api.registry import FunctionRegistry

NAMES = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
QUALIFIERS = st.one_of(st.just("$LATEST"), st.integers(1, 10**6).map(str),
                       st.from_regex(r"[A-Za-z_-][A-Za-z0-9_-]{0,20}", fullmatch=True))


@given(NAMES, QUALIFIERS)
def test_every_way_of_naming_a_function_gives_the_same_function_and_qualifier(name: str, qualifier: str) -> None:
    registry = FunctionRegistry(name, "arn:aws:lambda:us-east-1:123456789012:function:", memory_mb=128, timeout_s=3)
    arn = registry.arn(qualifier)
    for given_name in (f"{name}:{qualifier}", arn, arn.split(":", 4)[-1]):  # name:q, ARN, partial ARN
        assert registry.check(given_name, None) == qualifier
        assert registry.check(given_name, qualifier) == qualifier
    assert registry.check(name, qualifier) == qualifier
    assert registry.check(registry.arn(), None) is None


FRACTIONS = st.floats(0, 0.5, allow_nan=False)


@given(FRACTIONS, FRACTIONS, st.one_of(st.none(), st.integers(128, 10_240)))
def test_faults_written_as_a_spec_read_back_the_same(throttle: float, timeout: float, oom: int | None) -> None:
    faults = Faults(throttle, timeout, oom)
    spec = f"throttle={throttle!r},timeout={timeout!r}" + ("" if oom is None else f",oom={oom}")
    assert Faults.parse(spec) == faults == Faults.from_dict(faults.to_dict())


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                        max_size=600), max_size=30))
def test_the_tail_is_at_most_4_kb_and_ends_with_the_last_line(lines: list[str]) -> None:
    report = ("REPORT RequestId: 1\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 9 MB\t")
    data = base64.b64decode(encode([*lines, report]))
    assert len(data) <= TAIL_BYTES
    assert data.endswith((report + "\n").encode())
    whole = "".join(line + "\n" for line in [*lines, report]).encode()
    assert whole.endswith(data)
