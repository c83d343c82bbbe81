"""Sign-in, password reset and API token requests are rate-limited per address and per account."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import submit


def sign_in_attempt(client, email, password, address="198.51.100.7"):
    return submit(
        client,
        "/compte/connexion",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_passwords_from_one_place_are_slowed_down_without_locking_the_owner_out(
    client, make_user, limits_on
):
    from conciergerie.accounts.passwords import hash_password

    user = make_user(email="nadia@example.org", password_hash=hash_password("Le-bon-mot-2026"))
    for _ in range(5):
        assert sign_in_attempt(client, user.email, "pas le bon").status_code == 422
    blocked = sign_in_attempt(client, user.email, "pas le bon")
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Trop de tentatives" in page and "Attendez quelques minutes" in page
    assert int(blocked.headers["Retry-After"]) > 0
    # A re-spelt address (a full-width letter) is the same account: still refused.
    assert sign_in_attempt(client, "nadia@ｅxample.org", "pas le bon").status_code == 429
    # The owner, from their own place, still gets in.
    owner = sign_in_attempt(client, user.email, "Le-bon-mot-2026", "192.0.2.44")
    assert owner.status_code == 302


def test_guessing_one_account_from_many_places_hits_a_ceiling(client, make_user, limits_on):
    user = make_user(email="cible@example.org")
    statuses = [
        sign_in_attempt(client, user.email, "x", f"10.0.{n // 250}.{n % 250}").status_code
        for n in range(51)
    ]
    assert statuses[:50] == [422] * 50 and statuses[50] == 429


def test_the_web_form_and_the_api_share_the_counters(client, make_user, limits_on):
    user = make_user(email="partage@example.org")
    for _ in range(3):
        assert sign_in_attempt(client, user.email, "x", "127.0.0.1").status_code == 422
    for _ in range(2):
        answer = client.post("/api/v1/auth/token", json={"email": user.email, "password": "x"})
        assert answer.status_code == 401
    assert sign_in_attempt(client, user.email, "x", "127.0.0.1").status_code == 429


def test_successful_sign_ins_never_lock_an_account(client, make_user, limits_on):
    from conciergerie.accounts.passwords import hash_password

    user = make_user(email="thomas@example.org", password_hash=hash_password("Bon-mot-de-passe-42"))
    for attempt in range(7):
        answer = sign_in_attempt(client, user.email, "Bon-mot-de-passe-42", f"192.0.2.{attempt}")
        assert answer.status_code == 302
        client.delete_cookie("session")


def test_one_address_trying_many_accounts_is_slowed_down(client, limits_on):
    statuses = [
        sign_in_attempt(client, f"compte{n}@example.org", "x", "203.0.113.50").status_code
        for n in range(31)
    ]
    assert statuses[:30] == [422] * 30 and statuses[30] == 429


def test_reset_links_are_limited_per_account(client, make_user, limits_on, outbox):
    user = make_user(email="lea@example.org")
    answers = [
        submit(
            client,
            "/compte/mot-de-passe-oublie",
            {"email": user.email},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        ).status_code
        for n in range(6)
    ]
    assert answers == [302] * 5 + [429] and len(outbox) == 5


def test_api_tokens_are_limited_and_answer_json(client, make_user, limits_on):
    user = make_user(email="api@example.org")
    for _ in range(5):
        answer = client.post("/api/v1/auth/token", json={"email": user.email, "password": "x"})
        assert answer.status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"email": user.email, "password": "x"})
    assert blocked.status_code == 429 and blocked.json["error"]["code"]


def test_failed_sign_ins_are_logged_without_the_e_mail_address(client, make_user, caplog):
    user = make_user(email="discret@example.org")
    with caplog.at_level(logging.INFO, logger="conciergerie.accounts.views"):
        sign_in_attempt(client, user.email, "pas le bon")
    assert "failed sign-in" in caplog.text and "discret@example.org" not in caplog.text
    assert "pas le bon" not in caplog.text


@pytest.mark.parametrize("email", ["a\\ud800@example.org", "a\\u0000@example.org"])
def test_an_address_no_text_may_hold_is_counted_and_refused(client, limits_on, email):
    # A lone surrogate cannot go through the json= helper: the body is written by hand.
    answer = client.post(
        "/api/v1/auth/token",
        data=f'{{"email": "{email}", "password": "x"}}',
        content_type="application/json",
    )
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "bad_request"
