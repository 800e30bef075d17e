"""The benchmark harness never touches a database it did not make, and a failed check fails
the run."""

import pytest
from django.db import connection

from bench import harness


@pytest.mark.django_db
def test_an_existing_database_is_refused_not_dropped() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite benchmarks use an in-memory database; nothing to clobber")
    existing = connection.settings_dict["NAME"]  # this test run's own database
    refused = pytest.raises(RuntimeError, match="exists; a benchmark never touches it")
    with refused, harness.throwaway_database(name=existing):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [existing])
        assert cursor.fetchone() == (1,)
    assert connection.settings_dict["NAME"] == existing


def test_a_failed_check_makes_the_run_exit_non_zero() -> None:
    assert harness.FAILURES == []
    figures = harness.Figures("scenario")
    assert figures.check("all stored", True)
    assert harness.exit_code() == 0
    assert not figures.check("every price right", False, "3 different")
    assert figures.values == {
        "check: all stored": "ok",
        "check: every price right": "FAILED 3 different",
    }
    assert harness.exit_code() == 1
    harness.FAILURES.clear()


def test_mismatches_names_what_differs() -> None:
    assert harness.mismatches({"a": 1, "b": 2}, {"a": 1, "b": 2}) == ""
    assert harness.mismatches({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == (
        "0 missing, 1 extra, 1 different; e.g. b: expected 2, got 3"
    )


def test_compare_prints_both_ratios() -> None:
    figures = harness.Figures("scenario")
    figures.compare(result=3.0, baseline=30.0, floor=1.5, unit="s")
    assert figures.values == {
        "result (s)": 3.0,
        "baseline (s)": 30.0,
        "floor (s)": 1.5,
        "ratio to baseline": 0.1,
        "ratio to floor": 2.0,
    }


@pytest.mark.django_db
def test_counted_queries_counts_past_the_debug_cursor_limit() -> None:
    """CaptureQueriesContext keeps only 9,000 queries; a benchmark's count must not stop there."""
    with harness.counted_queries() as counted, connection.cursor() as cursor:
        for _ in range(9_005):
            cursor.execute("SELECT 1")
    assert counted.queries == 9_005
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert counted.queries == 9_005  # nothing is counted once the block ends
