"""Payload files of ``advisor tune``: weights, directories, and one-line errors naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import InputError, NotFoundError, UsageError
from advisor.tune.payloads import DEFAULT_EVENT, as_pairs, load_payloads, parse_weighted
from advisor.tune.settings import weighted_cycle


def _write(path: Path, event: object) -> Path:
    path.write_text(json.dumps(event))
    return path


def test_no_payload_sends_the_empty_event_as_local_invoke_does() -> None:
    (only,) = load_payloads()
    assert only.event == DEFAULT_EVENT and only.weight == 1


def test_weighted_files_set_their_share_of_the_invocations(tmp_path: Path) -> None:
    small = _write(tmp_path / "small.json", {"images": 10})
    large = _write(tmp_path / "large.json", {"images": 1000})
    payloads = load_payloads([f"{small}:3", str(large)])
    assert [(p.event, p.weight) for p in payloads] == [({"images": 10}, 3), ({"images": 1000}, 1)]
    sent = weighted_cycle(as_pairs(payloads), 8)
    assert sent.count({"images": 10}) == 6 and sent.count({"images": 1000}) == 2


def test_a_directory_gives_each_json_file_once_in_name_order(tmp_path: Path) -> None:
    for name, images in (("b.json", 2), ("a.json", 1), ("notes.txt", 3)):
        (tmp_path / name).write_text(json.dumps({"images": images}))
    payloads = load_payloads(directory=tmp_path)
    assert [p.event for p in payloads] == [{"images": 1}, {"images": 2}]
    assert all(p.weight == 1 for p in payloads)


def test_a_file_whose_name_ends_in_colon_number_is_taken_whole(tmp_path: Path) -> None:
    odd = _write(tmp_path / "event.json:2", {"odd": True})
    (payload,) = load_payloads([str(odd)])
    assert payload.event == {"odd": True} and payload.weight == 1


@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda d: [str(d / "missing.json")], NotFoundError, "missing.json does not exist"),
    (lambda d: [str(d / "missing.json") + ":2"], NotFoundError, "missing.json does not exist"),
    (lambda d: [str(_bad(d))], InputError, "bad.json is not valid JSON"),
    (lambda d: [str(_write(d / "e.json", 1)) + ":0"], UsageError, "e.json: weight 0 is outside"),
    (lambda d: [str(_write(d / "e.json", 1)) + ":2.5"], UsageError, "e.json: weight 2.5 is not a whole number"),
    (lambda d: [str(_write(d / "e.json", 1)), str(d / "e.json") + ":2"], UsageError, "e.json is given twice"),
    (lambda d: [""], UsageError, "--payload is empty"),
])
def test_bad_payloads_are_one_line_errors_naming_the_file(tmp_path: Path, make, error, words: str) -> None:
    with pytest.raises(error, match=words) as caught:
        load_payloads(make(tmp_path))
    assert "\n" not in str(caught.value)


def _bad(directory: Path) -> Path:
    path = directory / "bad.json"
    path.write_text('{"images": ')
    return path


def test_a_missing_or_empty_directory_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="nowhere does not exist"):
        load_payloads(directory=tmp_path / "nowhere")
    with pytest.raises(InputError, match=r"holds no \*\.json file"):
        load_payloads(directory=tmp_path)


@given(name=st.text(alphabet="abcxyz_-./:", min_size=1, max_size=12).filter(lambda s: s.strip() and s[-1] != ":"),
       weight=st.integers(1, 1000))
def test_file_colon_weight_splits_at_the_last_colon(name: str, weight: int) -> None:
    path, parsed = parse_weighted(f"{name}:{weight}")
    assert (path, parsed) == (Path(name), weight)
