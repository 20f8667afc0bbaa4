"""The one SQLSTATE -> HTTP table, as the design lays it out."""

import pytest

from gateway.errors import problem, status_for


@pytest.mark.parametrize("sqlstate, status", [
    ("P0002", 404), ("23505", 409), ("23503", 409), ("23514", 422), ("23502", 422),
    ("22P02", 422), ("22023", 422), ("22007", 422), ("42501", 403), ("28000", 401), ("25006", 405),
    ("40001", 503), ("40P01", 503), ("57014", 504), ("57P01", 503), ("57P03", 503), ("08006", 503),
    ("PT412", 412), ("PT409", 409), ("PT422", 422), ("XX000", 500), ("42P01", 500), (None, 503),
])
def test_status_for(sqlstate, status):
    assert status_for(sqlstate) == status


def test_retryable_problems_say_when():
    for status in (503,):
        _, _, headers = problem(status, "busy")
        assert headers["Retry-After"] == "1"
    _, _, headers = problem(401, "who?")
    assert headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("sqlstate, status", [
    ("54000", 422), ("54001", 422), ("23001", 409), ("23P01", 409), ("40003", 503), ("53200", 503),
    ("53300", 503), ("55P03", 503), ("57P04", 503),
])
def test_what_a_client_can_provoke_is_never_a_500(sqlstate, status):
    assert status_for(sqlstate) == status
