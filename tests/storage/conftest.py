"""Storage fixtures: every ``db`` test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``FACETRAINER_TEST_PG_URL`` (``scripts/postgres-for-tests.sh``
starts a throwaway server for ``bash scripts/facetrainer.sh test``). Without it the
PostgreSQL variants skip with the reason, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import pytest


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
    url = request.getfixturevalue("postgres_url")
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
