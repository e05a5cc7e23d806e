"""Tokens: 401 without or with a wrong one, lock-out after repeated failures, 0600 file."""

from __future__ import annotations

import stat

import pytest

from docproc_gui.api.auth import (
    AuthFailureLimiter,
    RequestRateLimiter,
    load_or_create_token,
    read_token,
    token_path,
)
from tests.api.conftest import make_api, noop_pipeline

STATUS = "/api/background/queue/status"


def test_missing_token_is_401_with_json_body(api):
    reply = api.run(api.session.get(api.url + STATUS))
    assert reply.status == 401
    body = api.run(reply.json())
    assert body["error"] == "unauthorized"
    assert body["field"] == "Authorization"
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_401_and_right_token_passes(api):
    assert api.call("GET", STATUS, token="nope").status == 401
    assert api.call("GET", STATUS, headers={"Authorization": "Basic abc"}).status == 401
    reply = api.call("GET", STATUS)
    assert reply.status == 200
    assert reply.body["paused"] is False


def test_repeated_failures_lock_the_client_out(api):
    # The fixture locks out after 5 failures for 1.5 s.
    for _ in range(5):
        assert api.call("GET", STATUS, token="guess").status == 401
    locked = api.call("GET", STATUS)  # even the right token waits: no oracle for guessing
    assert locked.status == 429
    assert locked.body["error"] == "too_many_auth_failures"
    assert int(locked.headers["Retry-After"]) >= 1


def test_requests_without_a_token_do_not_lock_anyone_out(api):
    """A health check or a browser tab without the token must not shut out the user's
    own scripts on the same address."""
    for _ in range(12):  # the fixture locks out after 5 wrong tokens
        assert api.call("GET", STATUS, headers={"Authorization": ""}).status == 401
        assert api.call("GET", STATUS, headers={"Authorization": "Basic abc"}).status == 401
    assert api.call("GET", STATUS).status == 200


def test_lockout_expires():
    now = [1000.0]
    limiter = AuthFailureLimiter(max_failures=3, window_s=10, lockout_s=30, clock=lambda: now[0])
    for _ in range(3):
        limiter.record_failure("1.2.3.4")
    assert limiter.locked_for("1.2.3.4") == pytest.approx(30)
    assert limiter.locked_for("5.6.7.8") == 0
    now[0] += 31
    assert limiter.locked_for("1.2.3.4") == 0


def test_failures_outside_the_window_do_not_add_up():
    now = [0.0]
    limiter = AuthFailureLimiter(max_failures=3, window_s=10, lockout_s=30, clock=lambda: now[0])
    for _ in range(5):
        limiter.record_failure("c")
        now[0] += 6
    assert limiter.locked_for("c") == 0


def test_request_rate_limit_per_client():
    now = [0.0]
    limiter = RequestRateLimiter(600, clock=lambda: now[0])  # 10/s, bursts of 60
    assert all(limiter.wait_time("a") == 0 for _ in range(60))
    assert limiter.wait_time("a") > 0
    assert limiter.wait_time("b") == 0
    now[0] += 1.0
    assert limiter.wait_time("a") == 0
    assert RequestRateLimiter(0).unlimited


def test_rate_limit_setting_answers_429(qloop, tmp_path):
    for api in make_api(qloop, tmp_path, pipeline=noop_pipeline(),
                        settings_changes={"api_rate_limit_per_min": 60}):
        statuses = [api.call("GET", STATUS).status for _ in range(8)]
        assert statuses[:6] == [200] * 6
        assert statuses[-1] == 429
        limited = api.call("GET", STATUS)
        assert limited.body["error"] == "rate_limited"
        assert "Retry-After" in limited.headers


def test_token_file_is_private_and_stable(tmp_path):
    token = load_or_create_token(tmp_path)
    path = token_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(token) >= 40
    assert load_or_create_token(tmp_path) == token == read_token(tmp_path)
    path.chmod(0o644)
    load_or_create_token(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_server_uses_the_data_folder_token(api):
    assert api.server.token == read_token(api.settings.data_dir)


def test_a_regenerated_token_replaces_the_old_one_at_once(api):
    old = api.token
    token_path(api.settings.data_dir).unlink()
    new = api.server.reload_token()
    assert new != old
    assert api.call("GET", STATUS, token=old).status == 401
    assert api.call("GET", STATUS, token=new).status == 200
