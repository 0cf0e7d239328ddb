"""Reading JSON in parts gives the documents (and the errors) of reading it whole."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from advisor.errors import InputError
from advisor.logs import jsonstream
from advisor.logs.decoding import iter_json_documents
from advisor.logs.jsonstream import SplitTooLateError, iter_documents

KEYS = frozenset({"events", "logStream"})
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=5)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["a", "events", "message", "logStream", "x"]), inner, max_size=3), max_leaves=12)
documents = st.lists(values, min_size=0, max_size=3)
spacing = st.sampled_from(["", " ", "\n", "\t ", "\r\n  "])


def _text(docs: list, space: str, indent: int | None) -> str:
    return space + space.join(json.dumps(doc, indent=indent) for doc in docs) + space


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sliced(docs: list, part: int) -> list:
    """The documents as read in parts without keys: each list in slices of ``part``."""
    out: list = []
    for doc in docs:
        out += ([doc[i:i + part] for i in range(0, len(doc), part)] or [[]]) if isinstance(doc, list) else [doc]
    return out


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "_CHUNK", 7)  # values straddle every chunk end


@settings(max_examples=300, deadline=None)
@given(documents, spacing, st.sampled_from([None, 0, 2]), st.integers(1, 3))
@example([0.0, 0.0], "", None, 1)
@example([{"a": 1}, 0.5, [2]], "", None, 1)
def test_documents_in_parts_hold_the_same_values(docs: list, space: str, indent: int | None, part: int):
    # Two numbers with nothing between them are one malformed number ("0.0" "0.0" is
    # "0.00.0"), read whole or in parts alike: only self-delimiting neighbours may touch.
    assume(space or not any(_is_number(a) and _is_number(b) for a, b in zip(docs, docs[1:])))
    text = _text(docs, space, indent)
    whole = list(iter_json_documents(text, source="f"))
    parts = list(iter_documents(io.StringIO(text), source="f", keys=None, part=part))
    assert parts == _sliced(whole, part)


@settings(max_examples=300, deadline=None)
@given(st.lists(values, max_size=7), st.dictionaries(st.sampled_from(["a", "b"]), values, max_size=2),
       st.dictionaries(st.sampled_from(["c", "d"]), values, max_size=2), st.integers(1, 3))
def test_a_long_array_under_a_key_comes_in_parts_with_the_keys_before_it(
        events: list, before: dict, after: dict, part: int):
    document = {**before, "events": events, **after}
    text = json.dumps(document)
    parts = list(iter_documents(io.StringIO(text), source="f", keys=KEYS, part=part))
    if len(parts) == 1 and parts[0] == document:
        return  # short: read whole
    assert all(p.keys() - {"events"} <= before.keys() for p in parts)
    assert [e for p in parts for e in p["events"]] == events
    assert all({k: v for k, v in p.items() if k != "events"} == before for p in parts)


def test_a_key_the_parser_reads_after_the_array_stops_the_split():
    text = json.dumps({"events": list(range(50)), "logStream": "s"})
    with pytest.raises(SplitTooLateError):
        list(iter_documents(io.StringIO(text), source="f", keys=KEYS, part=10))
    text = json.dumps({"events": list(range(50)), "searchedLogStreams": []})
    assert sum(len(p["events"]) for p in iter_documents(io.StringIO(text), source="f", keys=KEYS, part=10)) == 50


def _error(reader) -> str | None:
    try:
        list(reader())
    except InputError as exc:
        return str(exc)
    return None


BROKEN = ['[1, 2', '[1 2]', '[1,]', '[1, ]', '[,1]', '[', '{"a": 1', '{"a" 1}', '{"a": }', '{"a": 1,}',
          '{"a": 1 "b": 2}', '{1: 2}', '{"events": [1, 2,', '{"events": [1, 2] "x": 1}', '{"events": [1, x]}',
          '[{"a": "\\q"}]', '  \n [1,\n 2,\n x]', '{"a": [1,2,3]]', '[1] [', '"abc', '{"events": [1, 2], }',
          # after a value, text that would continue a number: the error is where the value ends
          '["a".5, 1]', '{"a": "b".5}', '{"a": "b"e5, "c": 1}', '{"events": ["a".5, 1]}', '[1, "a"0]']


@pytest.mark.parametrize("text", BROKEN)
@pytest.mark.parametrize("keys", [None, KEYS])
def test_broken_json_gets_the_error_of_reading_it_whole(text: str, keys):
    whole = _error(lambda: iter_json_documents(text, source="f"))
    assert whole is not None
    assert _error(lambda: iter_documents(io.StringIO(text), source="f", keys=keys, part=1)) == whole


@settings(max_examples=300, deadline=None)
@given(documents, st.integers(0, 200), st.sampled_from(list(",]}[{: \"x1\n")), st.booleans(),
       st.sampled_from([None, KEYS]))
@example([None, None, {"logStream": [None, 2.2250738585e-313, -3.0344969751242612e+16, -2.0920785130479575e-100],
                       "events": [], "a": {"a": [], "events": {"a": False, "logStream": None, "events": None}}}],
         192, ",", False, KEYS)
def test_any_broken_json_gets_the_error_of_reading_it_whole(docs, at, char, insert, keys):
    text = _text(docs, " ", None)
    at %= len(text) + 1
    text = text[:at] + char + text[at + (0 if insert else 1):]
    try:
        whole = list(iter_json_documents(text, source="f"))
    except InputError as exc:
        try:
            error = _error(lambda: iter_documents(io.StringIO(text), source="f", keys=keys, part=2))
        except SplitTooLateError:
            # The reader gave up on parts before the broken place: the import reads the file
            # whole then (logs/staged.py), which gives exactly the whole read's error.
            assert keys is not None
            return
        assert error == str(exc)
        return
    try:
        parts = list(iter_documents(io.StringIO(text), source="f", keys=keys, part=2))
    except SplitTooLateError:
        assert keys is not None
        return
    if keys is None:
        assert parts == _sliced(whole, 2)
