"""Log lines: JSON in production, each carrying the id of its request."""

import io
import json
import logging

import pytest

from conciergerie import create_app, logs
from conciergerie.models import Role
from tests.conftest import sign_in
from tests.test_config import RealProd


@pytest.fixture
def json_lines(app):
    """The app's log lines, in JSON, as a function returning those written so far."""
    app.config["LOG_FORMAT"] = "json"
    stream = io.StringIO()
    logs.configure(app, stream)
    root = logging.getLogger()
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    app.config["LOG_FORMAT"] = ""
    root.handlers = [h for h in root.handlers if not getattr(h, "is_conciergerie_handler", 0)]


def test_production_logs_in_json():
    assert create_app(RealProd).config["LOG_FORMAT"] == "json"


def test_each_line_of_a_request_carries_its_id(client, make_user, json_lines):
    sign_in(client, make_user(Role.RESIDENT))
    response = client.get("/comptoir/")  # refused: logged with the user's id
    assert response.status_code == 403
    request_id = response.headers["X-Request-ID"]
    line = next(x for x in json_lines() if "access refused" in x["message"])
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING" and line["logger"] == "conciergerie.errors"
    assert "time" in line


def test_the_proxys_request_id_is_kept_when_well_formed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"})
    assert response.headers["X-Request-ID"] == "proxy-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert forged.headers["X-Request-ID"] != "bad id with spaces"
    assert len(forged.headers["X-Request-ID"]) == 32


def test_lines_outside_a_request_say_so(json_lines):
    logging.getLogger("conciergerie.jobs").warning("a job line")
    assert json_lines()[-1]["request_id"] == "-"
    assert json_lines()[-1]["message"] == "a job line"


def test_production_writes_one_access_line_per_request_without_the_query(app, client, json_lines):
    app.config["ACCESS_LOG"] = True
    try:
        response = client.get("/healthz?token=secret-value")
    finally:
        app.config["ACCESS_LOG"] = False
    line = next(x for x in json_lines() if x["logger"] == "conciergerie.access")
    assert line["path"] == "/healthz" and line["status"] == 200 and line["method"] == "GET"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["duration_ms"] >= 0
    assert "secret-value" not in str(json_lines())


def test_the_access_line_names_the_route_not_a_secret_in_the_path(app, client, json_lines):
    app.config["ACCESS_LOG"] = True
    try:
        client.get("/compte/reinitialiser/jeton-secret-123")
    finally:
        app.config["ACCESS_LOG"] = False
    line = next(x for x in json_lines() if x["logger"] == "conciergerie.access")
    assert line["path"] == "/compte/reinitialiser/<token>"
    assert "jeton-secret-123" not in str(json_lines())
