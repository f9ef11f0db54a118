"""Security headers on every response."""
import pytest


@pytest.mark.parametrize("url", ["/inloggen", "/help/", "/bestaat-niet"])
def test_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_handlers(auth, client, make_user):
    make_user(email="a@gemeente.example")
    auth.login("a@gemeente.example")
    for url in ["/", "/inloggen", "/help/voortoets"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and " style=" not in html
