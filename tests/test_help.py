"""Help pages from content/help, public and sanitized."""
import pytest

from .conftest import REPO


def test_help_index_lists_every_page(client):
    html = client.get("/help/").get_data(as_text=True)
    for path in (REPO / "content" / "help").glob("*.md"):
        assert f'/help/{path.stem}"' in html


@pytest.mark.parametrize("slug, text", [
    ("voortoets", "Wat is er al eerder gedaan?"),
    ("goede-les", "namens het projectteam"),
    ("wat-is-kennisbank", "rapporten met geleerde lessen verdwijnen in de la"),
])
def test_help_pages_render_without_login(client, slug, text):
    response = client.get(f"/help/{slug}")
    assert response.status_code == 200
    assert text in response.get_data(as_text=True).replace("&#34;", '"')


@pytest.mark.parametrize("slug", ["bestaat-niet", "..%2fREADME", "%2e%2e", "Voortoets"])
def test_unknown_help_page_is_a_dutch_404(client, slug):
    response = client.get(f"/help/{slug}")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)
