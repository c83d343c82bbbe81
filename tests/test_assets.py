"""Static files are addressed by their content, and cached for a year in production."""

import re

from conciergerie import create_app
from tests.test_config import RealProd


def test_static_urls_carry_the_files_digest(client):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{12}))"', html)
    assert href, "the stylesheet's address has no digest"
    with client.get(href.group(1)) as response:
        assert response.status_code == 200


def test_a_changed_file_gets_a_new_address(app, tmp_path):
    from conciergerie import assets

    path = tmp_path / "x.css"
    path.write_text("a{}")
    first = assets.digest(path)
    path.write_text("b{color:red}")
    assert assets.digest(path) != first
    assert assets.digest(tmp_path / "missing.css") is None


def test_production_lets_browsers_keep_static_files_for_a_year():
    client = create_app(RealProd).test_client()
    with client.get("/static/css/site.css", base_url="https://etvoila-gambetta.fr") as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600
