"""Request-level protections: redirects, NUL bytes, headers, mail links."""

import re

import pytest

from conciergerie.security import safe_next
from tests.conftest import submit


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/",
        "/\t/evil.example",
        "/\\evil.example",
        "/x\r\nSet-Cookie: a=b",
        "",
        None,
        "catalogue",
    ],
)
def test_safe_next_refuses_anything_but_local_paths(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/catalogue/?categorie=cordonnerie", "/compte/"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target", ["/\t/evil.example", "/x\r\n", "//evil.example", "https://evil.example"]
)
def test_language_switch_never_redirects_offsite_nor_crashes(client, target):
    response = submit(client, "/langue", {"lang": "en", "next": target}, form_url="/")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "url",
    ["/catalogue/?categorie=%00", "/catalogue/prestataires/%00", "/catalogue/prestataires/a%00b"],
)
def test_nul_bytes_in_urls_are_a_400_not_a_500(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "caractère invalide" in response.get_data(as_text=True)


def test_nul_bytes_in_forms_are_a_400_and_nothing_is_stored(client, session):
    from conciergerie.models import User

    response = submit(
        client,
        "/compte/inscription",
        {
            "full_name": "Nadia\x00",
            "email": "n@example.org",
            "customer_type": "resident",
            "member_company": "0",
            "password": "des-poireaux-pour-jeudi",
            "confirm": "des-poireaux-pour-jeudi",
        },
    )
    assert response.status_code == 400
    assert session.query(User).count() == 0


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"[" * 100_000, "imbriqué trop profondément"),  # a RecursionError in the decoder
        (b"[" * 33 + b"]" * 33, "imbriqué trop profondément"),
        (b'{"name": "\\udc00"}', "caractère invalide"),  # a lone surrogate: no UTF-8 for it
        (b'["a", {"\\ud800x": 1}]', "caractère invalide"),
        (b'{"name": ', "pas du JSON valide"),
        (b'"\xff\xfe"', "pas du JSON valide"),
    ],
    ids=["100000-deep", "33-deep", "lone-surrogate", "lone-surrogate-in-a-key", "cut", "not-utf8"],
)
@pytest.mark.parametrize("silent", [False, True], ids=["get_json", "silent"])
def test_json_bodies_are_checked_wherever_they_are_read(app, body, reason, silent):
    from flask import request
    from werkzeug.exceptions import BadRequest

    with (
        app.test_request_context("/", method="POST", data=body, content_type="application/json"),
        pytest.raises(BadRequest) as refused,
    ):
        request.get_json(silent=silent)
    assert reason in refused.value.description


def test_json_bodies_up_to_the_depth_limit_are_read(app):
    from flask import request

    body = b"[" * 32 + b'"\\ud83d\\ude00"' + b"]" * 32  # a surrogate pair is one character
    with app.test_request_context("/", method="POST", data=body, content_type="application/json"):
        value = request.get_json()
    for _level in range(32):
        (value,) = value
    assert value == "\U0001f600"


def test_a_body_not_declared_as_json_is_not_read_as_json(app):
    from flask import request

    with app.test_request_context("/", method="POST", data=b"[" * 100_000):
        assert request.get_json(silent=True) is None


def test_pages_cannot_be_framed(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_reset_link_ignores_the_host_header(client, make_user, outbox):
    make_user(email="lea@example.org")
    # The test client keeps cookies per host: take the form (and its session) from evil.example.
    url = "http://evil.example/compte/mot-de-passe-oublie"
    response = submit(client, url, {"email": "lea@example.org"})
    assert response.status_code == 302
    assert len(outbox) == 1
    links = re.findall(r"https?://[^/\s]+", outbox[0].body)
    # The site's links on PUBLIC_URL; the only other one, the desk's map in the signature.
    ours = [link for link in links if link != "https://www.openstreetmap.org"]
    assert ours and all(link == "http://127.0.0.1:5000" for link in ours)
    assert "evil.example" not in outbox[0].body


def test_failing_mail_server_gives_the_same_answer(app, client, make_user, monkeypatch):
    from conciergerie.accounts import notifications

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(notifications, "send_password_reset", broken)
    make_user(email="lea@example.org")
    known = submit(client, "/compte/mot-de-passe-oublie", {"email": "lea@example.org"})
    unknown = submit(client, "/compte/mot-de-passe-oublie", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]


def test_production_sends_hsts_secure_cookies_and_no_debug(tmp_path):
    from conciergerie import create_app
    from tests.test_config import RealProd

    app = create_app(RealProd, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db")
    assert app.debug is False and app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    answer = app.test_client().get("/healthz", base_url="https://etvoila-gambetta.fr")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_signing_in_starts_a_fresh_session_but_keeps_the_basket(client, session, make_user):
    from conciergerie.accounts.passwords import hash_password
    from tests.conftest import submit

    user = make_user(email="frais@example.org", password_hash=hash_password("Tout-neuf-2026"))
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
        before["basket"] = {"1": 2}
    answer = submit(
        client, "/compte/connexion", {"email": user.email, "password": "Tout-neuf-2026"}
    )
    assert answer.status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after and after["basket"] == {"1": 2}
        assert after["_user_id"] == user.get_id()


def test_refused_access_is_logged_with_the_user_id_only(client, login_as, caplog):
    import logging

    from conciergerie.models import Role

    user = login_as(Role.RESIDENT, email="curieuse@example.org")
    with caplog.at_level(logging.WARNING, logger="conciergerie.errors"):
        assert client.get("/comptoir/").status_code == 403
    assert f"access refused: GET /comptoir/ for user {user.id}" in caplog.text
    assert "curieuse@example.org" not in caplog.text


def test_remember_me_is_optional_and_revoked_by_signing_out(app, client, session, make_user):
    from flask.testing import FlaskClient

    from conciergerie.accounts.passwords import hash_password
    from conciergerie.accounts.service import end_all_sessions
    from tests.conftest import submit

    user = make_user(email="fidele@example.org", password_hash=hash_password("Se-souvenir-2026"))
    form = {"email": user.email, "password": "Se-souvenir-2026"}
    submit(client, "/compte/connexion", form)
    assert client.get_cookie("remember_token") is None  # not asked: no lasting cookie
    other = app.test_client()
    submit(other, "/compte/connexion", {**form, "remember": "y"})
    remember = other.get_cookie("remember_token")
    assert remember is not None and remember.http_only and remember.same_site == "Lax"

    # A new browser with only that cookie is signed in…
    returning = app.test_client()
    returning.set_cookie("remember_token", remember.value)
    assert returning.get("/compte/").status_code == 200
    # …until the person signs out everywhere (or changes the password).
    end_all_sessions(user)
    session.flush()
    later: FlaskClient = app.test_client()
    later.set_cookie("remember_token", remember.value)
    assert later.get("/compte/").status_code == 302


def test_a_name_cannot_add_mail_headers(client, session, make_user, outbox):
    from conciergerie.accounts import notifications

    user = make_user(email="entete@example.org", full_name="Eve\r\nBcc: espion@example.org")
    notifications.send_password_reset(user, "https://example.org/lien", valid_minutes=60)
    [mail] = outbox
    message = mail.message()
    assert message["Bcc"] is None and mail.recipients() == ["entete@example.org"]


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("post", "/", "GET, HEAD, OPTIONS"),
        ("get", "/compte/deconnexion", "OPTIONS, POST"),
        ("delete", "/api/v1/providers", "GET, HEAD, OPTIONS"),
        ("get", "/api/v1/auth/token", "DELETE, OPTIONS, POST"),
    ],
)
def test_a_405_names_the_methods_allowed(client, method, path, allowed):
    # RFC 9110: a 405 carries Allow; the site's own error page or JSON error keeps it.
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert sorted(response.headers["Allow"].split(", ")) == allowed.split(", ")
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "method_not_allowed"
    else:
        assert "Méthode non autorisée" in response.get_data(as_text=True)


def test_an_untrusted_host_is_a_400_page_in_production(tmp_path):
    from conciergerie import create_app
    from tests.test_config import RealProd

    Prod = type("Prod", (RealProd,), {"TRUSTED_HOSTS": ["etvoila-gambetta.fr"]})
    app = create_app(Prod, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db")
    client = app.test_client()
    evil = "https://evil.example"
    for answer in (
        client.get("/", base_url=evil),
        client.get("/catalogue/", base_url=evil),
        client.get("/nulle-part", base_url=evil),
        client.post("/compte/connexion", data={"email": "a@example.org"}, base_url=evil),
    ):
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400 and answer.mimetype == "text/html"
        assert "Requête incorrecte" in page and "Ce site ne répond pas à cette adresse" in page
        assert "evil.example" not in page
    api = client.get("/api/v1/providers", base_url=evil)
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "bad_request"
    assert client.get("/healthz", base_url="https://etvoila-gambetta.fr").status_code == 200
