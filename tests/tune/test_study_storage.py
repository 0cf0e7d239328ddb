"""How ``advisor tune`` reaches its study storage: URLs checked, the driver chosen, tables created once."""

from __future__ import annotations

import threading

import optuna
import pytest

from advisor.errors import InputError, UsageError
from advisor.tune.study import POSTGRES_DRIVER, database_url, open_storage


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_bare_postgresql_url_gets_the_installed_driver(scheme: str) -> None:
    url = database_url(f"{scheme}://tuner:secret@db.example:5432/studies")
    assert url == f"{POSTGRES_DRIVER}://tuner:secret@db.example:5432/studies"


def test_a_url_with_its_driver_or_another_database_is_left_as_given() -> None:
    for url in ("postgresql+psycopg2://u@h/d", "sqlite:///studies.db", "mysql+pymysql://u@h/d"):
        assert database_url(url) == url


def test_a_url_that_is_not_one_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--storage 'studies' is not a database URL"):
        database_url("studies")


def test_an_unreachable_server_is_a_one_line_error_without_the_password() -> None:
    with pytest.raises(InputError, match="cannot open the study storage") as caught:
        open_storage(database_url("postgresql://tuner:secret@127.0.0.1:1/studies"))
    assert "secret" not in str(caught.value) and "\n" not in str(caught.value)


def test_workers_opening_a_new_database_at_once_all_get_it(postgres_database: str) -> None:
    # optuna/optuna#1092: without the retry, all but one fail creating the tables.
    opened: list[optuna.storages.RDBStorage] = []
    failed: list[BaseException] = []
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        try:
            opened.append(open_storage(postgres_database))
        except BaseException as exc:  # collected for the assertion below
            failed.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failed == [] and len(opened) == 4
    study = optuna.create_study(storage=opened[0], study_name="s")
    assert optuna.load_study(storage=opened[3], study_name="s").study_name == study.study_name
