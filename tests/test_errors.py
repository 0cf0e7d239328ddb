"""The root exception's message format."""

from __future__ import annotations

from advisor.errors import AdvisorError, NotFoundError


def test_a_message_without_a_full_stop_gets_one_before_the_hint():
    error = NotFoundError("handler file x.py does not exist", hint="Give the path to the .py file.")
    assert str(error) == "handler file x.py does not exist. Give the path to the .py file."


def test_a_message_that_ends_a_sentence_is_kept_as_written():
    error = AdvisorError("cannot read 'x'.", hint="Use 7d.")
    assert str(error) == "cannot read 'x'. Use 7d."


def test_a_message_without_hint_is_printed_alone():
    assert str(AdvisorError("workspace is locked")) == "workspace is locked"
