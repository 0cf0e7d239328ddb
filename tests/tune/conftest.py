"""Fixtures of the tuner's tests: the PostgreSQL server that several tuning workers share."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

#: Set by ``scripts/test.sh``, which starts a throwaway PostgreSQL server (scripts/postgres.sh).
POSTGRES_URL_VARIABLE = "ADVISOR_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The SQLAlchemy URL of the test PostgreSQL server's database."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.fail(f"{POSTGRES_URL_VARIABLE} is not set: these tests need a PostgreSQL server. Run them "
                    "through `bash scripts/test.sh` (it starts one), or set the variable to a database URL.",
                    pytrace=False)
    return url


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """A new, empty database on the test server (no Optuna tables yet), dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(postgres_url)
    name = f"advisor_{uuid.uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
