"""The Optuna study a tuning records its trials in.

By default the study lives in an embedded SQLite file in the workspace
(``<workspace>/tune/studies.db``); ``--storage URL`` takes any Optuna RDB URL, and with
PostgreSQL several ``advisor tune`` processes on one study share the work. Every trial keeps
its invocation records in its user attributes, so any worker (or a resumed run) fits the
models on every measurement made so far, whoever made it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import time
from pathlib import Path
from typing import Any, Final

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState

from advisor.errors import InputError, UsageError
from advisor.tune.measure import Measurement
from advisor.tune.settings import TuneSettings
from advisor.tune.space import SearchSpace

#: The study file inside the workspace.
STUDY_DIR: Final = "tune"
STUDY_FILE: Final = "studies.db"
#: The driver of a bare ``postgresql://`` URL when psycopg 3 (the ``postgres`` extra) is
#: installed and psycopg2, SQLAlchemy's default for that scheme, is not.
POSTGRES_DRIVER: Final = "postgresql+psycopg"
POSTGRES_SCHEMES: Final = ("postgresql", "postgres")
#: Workers that start together on an empty database race to create Optuna's tables
#: (optuna/optuna#1092): the loser retries this many times, a little later each time.
CREATE_ATTEMPTS: Final = 5
CREATE_BACKOFF_S: Final = 0.5
#: User attributes of a trial and of the study.
RECORDS_ATTR: Final = "records"
FUNCTION_ATTR: Final = "function"
#: A trial another worker started this long ago and never finished is taken as abandoned.
STALE_RUNNING: Final = dt.timedelta(minutes=30)
MEMORY_PARAM: Final = "memory_mb"
ARCH_PARAM: Final = "architecture"


def storage_url(settings: TuneSettings, workspace_dir: Path | None) -> str | None:
    """The storage URL: the one given, else the workspace's SQLite file, else None (memory)."""
    if settings.storage:
        return database_url(settings.storage)
    if workspace_dir is None:
        return None
    return f"sqlite:///{workspace_dir / STUDY_DIR / STUDY_FILE}"


def database_url(url: str, *, option: str = "--storage") -> str:
    """``url`` checked as a database URL, a bare ``postgresql://`` given the installed driver.

    Raises:
        UsageError: ``url`` is not a database URL.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(f"{option} {url!r} is not a database URL.",
                         hint="Write e.g. postgresql://user@host/database or sqlite:///studies.db.") from None
    if parsed.drivername in POSTGRES_SCHEMES and importlib.util.find_spec("psycopg2") is None \
            and importlib.util.find_spec("psycopg") is not None:
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    return parsed.render_as_string(hide_password=False)


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's storage at ``url``, its tables created if need be (by whichever worker is first).

    Raises:
        InputError: no driver for the URL, or the database cannot be reached or used.
    """
    from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError

    shown = shown_storage(url)
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            return optuna.storages.RDBStorage(url)
        except (IntegrityError, ProgrammingError) as exc:
            if attempt == CREATE_ATTEMPTS:
                raise InputError(f"cannot create the study tables in {shown}: {_first_line(exc)}",
                                 hint="Check that the database user may create tables.") from exc
            time.sleep(CREATE_BACKOFF_S * attempt)
        except ImportError as exc:
            raise InputError(f"no database driver for the study storage {shown}: {_first_line(exc)}",
                             hint="For PostgreSQL install advisor[postgres].") from exc
        except SQLAlchemyError as exc:
            raise InputError(f"cannot open the study storage {shown}: {_first_line(exc)}",
                             hint="Check --storage, and that the database server runs and lets you in.") from exc
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _first_line(exc: BaseException) -> str:
    """An error's own message in one line (SQLAlchemy's carry the statement and a link below)."""
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


def shown_storage(url: str) -> str:
    """A storage URL without its password, for printing."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # shown as given; opening it reports the error
        return url


def open_study(settings: TuneSettings, sampler: BaseSampler, *, workspace_dir: Path | None = None,
               storage: optuna.storages.BaseStorage | str | None = None) -> optuna.Study:
    """Create the study, or load it to resume (or join) it.

    Args:
        settings: The tuning's settings (study name, storage, resume).
        sampler: The sampler every trial is asked through.
        workspace_dir: The workspace, home of the default SQLite file.
        storage: A storage object to use instead of the URL (tests, in-process workers).

    Raises:
        UsageError: The study holds trials and ``resume`` was not asked for, or it tunes
            another function.
        InputError: The storage cannot be opened.
    """
    optuna.logging.set_verbosity(logging.WARNING)
    url = storage_url(settings, workspace_dir)
    if storage is None and url is not None and not settings.storage and workspace_dir is not None:
        (workspace_dir / STUDY_DIR).mkdir(parents=True, exist_ok=True)  # the default SQLite file's home
    where = storage if storage is not None else (open_storage(url) if url is not None else None)
    name = settings.study_name
    try:
        study = optuna.create_study(study_name=name, storage=where, sampler=sampler,
                                    direction="minimize", load_if_exists=True)
    except (ImportError, ValueError, RuntimeError) as exc:
        raise InputError(f"cannot open the study storage {where!s}: {exc}",
                         hint="Check --storage (an Optuna RDB URL such as sqlite:///file.db).") from exc
    function = study.user_attrs.get(FUNCTION_ATTR)
    if function is not None and function != settings.function:
        raise UsageError(f"study {name!r} tunes function {function!r}, not {settings.function!r}.",
                         hint="Choose another --study name.")
    if function is None:
        study.set_user_attr(FUNCTION_ATTR, settings.function)
    if not settings.resume and any(t.state != TrialState.WAITING for t in study.get_trials(deepcopy=False)):
        raise UsageError(f"study {name!r} already holds trials.",
                         hint="Add --resume to continue it, or choose another --study name.")
    return study


def distributions(space: SearchSpace) -> dict[str, BaseDistribution]:
    """The trial parameters: memory (a range or the listed sizes) and architecture."""
    memory: BaseDistribution
    if space.memory.sizes is not None:
        memory = CategoricalDistribution(list(space.memory.sizes))
    else:
        memory = IntDistribution(space.memory.low, space.memory.high)
    return {MEMORY_PARAM: memory, ARCH_PARAM: CategoricalDistribution(list(space.architectures))}


def measurements(study: optuna.Study) -> list[Measurement]:
    """Every finished trial's measurement, in trial order (from any worker)."""
    found = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL)):
        records = trial.user_attrs.get(RECORDS_ATTR)
        if records is None:
            continue
        found.append(Measurement(int(trial.params[MEMORY_PARAM]), str(trial.params[ARCH_PARAM]),
                                 tuple(records), trial.number))
    return found


def busy(study: optuna.Study, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """(memory, architecture) of trials other workers are measuring now (not abandoned)."""
    moment = now or dt.datetime.now()
    out = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        started = trial.datetime_start
        if started is not None and moment - started > STALE_RUNNING:
            continue
        if MEMORY_PARAM in trial.params and ARCH_PARAM in trial.params:
            out.append((int(trial.params[MEMORY_PARAM]), str(trial.params[ARCH_PARAM])))
    return out


def save_records(study: optuna.Study, trial: optuna.Trial, measurement: Measurement,
                 extra: dict[str, Any]) -> None:
    """Keep the measurement's records (and ``extra`` figures) in the trial's user attributes."""
    trial.set_user_attr(RECORDS_ATTR, list(measurement.records))
    for key, value in extra.items():
        trial.set_user_attr(key, value)


def is_trial_of(trial: FrozenTrial, memory_mb: int, architecture: str) -> bool:
    """Whether ``trial`` measured that size and architecture."""
    return trial.params.get(MEMORY_PARAM) == memory_mb and trial.params.get(ARCH_PARAM) == architecture
