from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.demo.service import load_demo_data
from tests.factories import NOW


def test_home_page_tells_where_and_when_the_desk_opens(client, session):
    load_demo_data(session, now=NOW, lived_in=False)
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "75 rue Gambetta" in html and "La Grappe" in html
    # Off-peak hours: early morning, lunch, evening and Saturday morning.
    assert "07:30" in html and "12:00" in html and "20:00" in html
    assert "Samedi" in html and "09:00" in html
    assert 'href="/catalogue/"' in html


def test_home_page_switches_to_english(client, session):
    load_demo_data(session, now=NOW, lived_in=False)
    token_page = client.get("/").get_data(as_text=True)
    assert "Voir le catalogue" in token_page
    from tests.conftest import submit

    response = submit(client, "/langue", {"lang": "en", "next": "/catalogue/"}, form_url="/")
    assert response.status_code == 302 and response.headers["Location"] == "/catalogue/"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Saturday" in html
    assert "Voir le catalogue" not in html


def test_browser_language_is_honoured_without_a_choice(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_language_switch_refuses_offsite_redirects(client):
    from tests.conftest import submit

    response = submit(client, "/langue", {"lang": "en", "next": "//evil.example"}, form_url="/")
    assert response.headers["Location"] == "/"


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    # A SQLite file in a folder that does not exist cannot be opened.
    unreachable = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    )
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_healthz_answers_503_when_postgresql_is_down():
    # Nothing listens on port 1: the connection is refused at once.
    unreachable = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
    )
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503


def test_pages_answer_503_in_the_layout_when_the_database_is_down(tmp_path):
    unreachable = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    )
    response = unreachable.test_client().get("/catalogue/")
    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.get_data(as_text=True)
