"""Loading a user's target: a file path or a dotted module, its options, and old-style plugins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from advisor.errors import InputError, NotFoundError, TargetError, UsageError
from advisor.targets import LocalTarget, Target, load_target
from advisor.targets._base import load_target as load_target_from_base
from advisor.targets.plugins import make_target, parse_target_options

HERE = Path(__file__).resolve().parent

#: A plugin exactly as the first contract allowed: configure(memory_mb) alone, no new methods.
OLD_STYLE = '''
from advisor.targets import RECORD_FIELDS, Target

class Counter(Target):
    def __init__(self, base_ms=1.0, label="counter"):
        self.base_ms, self.label, self.memory_mb, self.loads, self.calls = base_ms, label, 128, 0, 0

    def configure(self, memory_mb):
        self.memory_mb, self.fresh = memory_mb, True

    def invoke(self, payload):
        init = None
        if getattr(self, "fresh", True):
            self.fresh, self.loads, init = False, self.loads + 1, 2.0
        self.calls += 1
        values = dict.fromkeys(RECORD_FIELDS)
        values.update(function=self.label, request_id=str(self.calls), duration_ms=self.base_ms,
                      billed_duration_ms=1, memory_mb=self.memory_mb, init_ms=init, status="success")
        return values

class NotATarget:
    pass
'''


@pytest.fixture
def plugin_file(tmp_path: Path) -> Path:
    path = tmp_path / "plugins" / "counter.py"
    path.parent.mkdir()
    path.write_text(OLD_STYLE)
    return path


def test_a_file_path_target_loads_by_absolute_and_relative_path(plugin_file, monkeypatch):
    absolute = load_target(f"{plugin_file}:Counter")
    monkeypatch.chdir(plugin_file.parent.parent)
    relative = load_target("plugins/counter.py:Counter")
    assert absolute is relative and issubclass(absolute, Target)
    assert absolute.__name__ == "Counter"


def test_a_dotted_module_target_loads_with_a_colon_or_a_dot():
    assert load_target("advisor.targets.local:LocalTarget") is LocalTarget
    assert load_target("advisor.targets.local.LocalTarget") is LocalTarget


def test_load_target_is_still_importable_from_the_contract_module():
    assert load_target_from_base is load_target


@pytest.mark.parametrize(("spec", "error", "words"), [
    ("missing/nowhere.py:Counter", NotFoundError, "target file missing/nowhere.py does not exist"),
    ("{file}:Nope", NotFoundError, "target file .*counter.py has no 'Nope'"),
    ("{file}:NotATarget", UsageError, "'NotATarget' in target file .*counter.py is not a subclass"),
    ("{file}", UsageError, "is not path/to/file.py:ClassName"),
    ("{file}:", UsageError, "does not name a class after the colon"),
    ("advisor.no_such_module:Thing", NotFoundError, "cannot import target module 'advisor.no_such_module'"),
    ("advisor.targets.local:NoSuchClass", NotFoundError, "module 'advisor.targets.local' has no 'NoSuchClass'"),
])
def test_a_target_that_cannot_be_loaded_is_named_in_one_line(plugin_file, spec, error, words):
    with pytest.raises(error, match=words) as caught:
        load_target(spec.format(file=plugin_file))
    assert "\n" not in str(caught.value)


def test_a_plugin_file_that_fails_to_import_names_the_file_and_the_error(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import json\nraise RuntimeError('no GPU here')\n")
    with pytest.raises(InputError, match=r"target file .*broken.py failed to import: RuntimeError: no GPU here"):
        load_target(f"{broken}:Anything")


def test_target_options_are_keyword_arguments_json_values_typed():
    options = parse_target_options(["base_ms=2.5", "label=gpu box", "flags=[1, 2]", "on=true", "quoted=\"7\""])
    assert options == {"base_ms": 2.5, "label": "gpu box", "flags": [1, 2], "on": True, "quoted": "7"}


@pytest.mark.parametrize(("pairs", "words"), [
    (["novalue"], "is not KEY=VALUE"),
    (["1x=2"], "is not KEY=VALUE"),
    (["a=1", "a=2"], "--target-option a is given twice"),
])
def test_bad_target_options_are_refused(pairs, words):
    with pytest.raises(UsageError, match=words):
        parse_target_options(pairs)


def test_make_target_constructs_the_plugin_with_its_options(plugin_file):
    target = make_target(f"{plugin_file}:Counter", {"base_ms": 3.0, "label": "mine"})
    assert (target.base_ms, target.label) == (3.0, "mine")


def test_an_option_the_plugin_does_not_take_names_its_parameters(plugin_file):
    with pytest.raises(UsageError, match=r"cannot be made with colour='red'.*Its parameters: base_ms, label"):
        make_target(f"{plugin_file}:Counter", {"colour": "red"})


def test_a_constructor_that_fails_is_a_target_error_naming_the_class(tmp_path):
    path = tmp_path / "fails.py"
    path.write_text("from advisor.targets import Target\nclass Fails(Target):\n"
                    "    def __init__(self, url='x'):\n        raise ConnectionError('refused: ' + url)\n"
                    "    def configure(self, memory_mb, **o): pass\n    def invoke(self, p): return {}\n")
    with pytest.raises(TargetError, match=r"target Fails\(url='http://box'\) failed: ConnectionError: refused"):
        make_target(f"{path}:Fails", {"url": "http://box"})


def test_an_old_style_plugin_gets_the_new_contract_by_default(plugin_file):
    target = make_target(f"{plugin_file}:Counter")
    assert target.architectures() == ("x86_64",) and target.snapshot() is None
    with pytest.raises(TargetError, match=r"Counter.force_cold\(\) needs a configure\(\) call first"):
        target.force_cold()
    target.configure(512, architecture=None)  # its configure takes no architecture: dropped
    target.configure(1024, architecture="x86_64")
    first, warm = target.invoke({}), target.invoke({})
    target.force_cold()
    cold = target.invoke({})
    assert (first["init_ms"], warm["init_ms"], cold["init_ms"]) == (2.0, None, 2.0)
    assert cold["memory_mb"] == 1024 and target.loads == 2
    with pytest.raises(UsageError, match="Counter cannot run architecture 'arm64': it runs x86_64"):
        target.configure(1024, architecture="arm64")


def test_a_plugin_file_in_a_directory_with_dots_loads_by_relative_path(tmp_path):
    directory = tmp_path / "my.plugins"
    directory.mkdir()
    path = directory / "inprocess.py"
    path.write_text((HERE / "inprocess_target.py").read_text())
    cls = load_target(f"{os.path.relpath(path)}:InProcessTarget")
    with cls(256) as target:
        target.configure(512)
        assert target.invoke({})["memory_mb"] == 512
