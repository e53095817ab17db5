"""Storage fixtures: every ``db`` test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``FACETRAINER_TEST_PG_URL`` (``scripts/postgres-for-tests.sh``
starts a throwaway server for ``bash scripts/facetrainer.sh test``). Without it the
PostgreSQL variants skip with the reason, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import os

import pytest

PG_ENV = "FACETRAINER_TEST_PG_URL"


def postgres_url() -> str:
    url = os.environ.get(PG_ENV, "")
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"CI=true but {PG_ENV} is not set: scripts/postgres-for-tests.sh should "
            "have started a PostgreSQL server; the PostgreSQL tests must not skip in CI"
        )
    pytest.skip(
        f"no PostgreSQL server: {PG_ENV} is not set (run `bash scripts/facetrainer.sh "
        "test`, which starts a throwaway server)"
    )


def _fresh_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A URL of an empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'facetrainer.sqlite3'}"
    url = postgres_url()
    _fresh_postgres(url)
    return url


@pytest.fixture
def db(db_url):
    from facetrainer.storage import open_database

    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def patient(db):
    from facetrainer.storage import create_patient

    return create_patient(db, "P001", "left", cause="Bell's palsy", onset_date="2025-01-06")
