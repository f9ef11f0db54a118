"""All Markdown goes through one sanitizing function: no executable markup survives."""
import re

import pytest

from kennisbank.web.markdown import render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=\"javascript:alert(1)\">klik</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">klik</a>",
    "<a href=\"&#106;avascript:alert(1)\">klik</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">klik</a>",
    "[klik](javascript:alert(1))",
    "[klik](JAVASCRIPT:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<base href=\"javascript:alert(1)//\">",
    "<p onmouseover=\"alert(1)\">x</p>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
]

DANGEROUS = re.compile(r"<\s*(script|iframe|object|embed|svg|math|style|form|input|meta|link|base|img|video|body)"
                       r"|\son\w+\s*=|javascript:|vbscript:|data:text|\sstyle\s*=|xlink:href", re.IGNORECASE)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_executable_markup_survives(payload):
    html = str(render_markdown(f"Tekst voor.\n\n{payload}\n\nTekst na."))
    assert not DANGEROUS.search(html), html
    assert "Tekst voor." in html  # (malformed raw HTML may swallow what follows; it never executes)


def test_payload_list_is_large_enough():
    assert len(XSS_PAYLOADS) >= 30


def test_ordinary_markdown_still_renders():
    html = str(render_markdown("# Kop\n\n**vet** en [link](https://example.org) en `code`\n\n- een\n- twee"))
    assert "<h2>Kop</h2>" in html  # the page title is the only h1
    assert "<strong>vet</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<li>een</li>" in html


def test_empty_input():
    assert str(render_markdown(None)) == "" and str(render_markdown("")) == ""


@pytest.mark.parametrize("tag", sorted({"a", "abbr", "blockquote", "code", "del", "em", "h2", "li", "p", "pre",
                                        "strong", "td", "th", "table", "ul"}))
@pytest.mark.parametrize("attribute", ['style="background:url(javascript:alert(1))"', 'onclick="alert(1)"',
                                       'class="x" id="y"'])
def test_no_allowed_tag_keeps_a_style_event_or_other_attribute(tag, attribute):
    """Each tag the sanitizer allows, with attributes it must drop (a rule per tag, not only on <div>)."""
    inner = f"<tr><{tag} {attribute}>x</{tag}></tr>" if tag in ("td", "th") else f"<{tag} {attribute}>x</{tag}>"
    wrapped = f"<table>{inner}</table>" if tag in ("td", "th") else inner
    html = str(render_markdown(f"Tekst.\n\n{wrapped}\n\nMeer."))
    assert not DANGEROUS.search(html), html
    assert "class=" not in html and "id=" not in html, html


def test_the_markdown_people_write_renders_exactly():
    text = ("# Titel\n\nAlinea met **vet** en [een link](https://example.org \"uitleg\").\n\n"
            "| a | b |\n|---|--:|\n| 1 | 2 |\n\n1. een\n2. twee\n\n*[AVG]: Algemene verordening gegevensbescherming\n\nDe AVG.")
    assert str(render_markdown(text)) == (
        '<h2>Titel</h2>\n<p>Alinea met <strong>vet</strong> en <a href="https://example.org" title="uitleg" '
        'rel="noopener noreferrer nofollow">een link</a>.</p>\n<table>\n<thead>\n<tr>\n<th>a</th>\n'
        '<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n'
        '</tbody>\n</table>\n<ol>\n<li>een</li>\n<li>twee</li>\n</ol>\n<p>De <abbr title="Algemene verordening '
        'gegevensbescherming">AVG</abbr>.</p>')
    # sane_lists: a numbered list followed by bullets makes two lists, not one
    assert str(render_markdown("1. een\n\n* twee")).count("<ol>") == 1
    assert "<ul>" in str(render_markdown("1. een\n\n* twee"))
    assert str(render_markdown("regel<br>")) == "<p>regel<br></p>"


def test_only_our_attributes_and_link_schemes_survive():
    assert str(render_markdown('<ol start="3" reversed><li>x</li></ol>')) == "<ol><li>x</li></ol>"
    assert str(render_markdown("[bel](tel:0612345678) en [bestand](ftp://example.org/a)")) == (
        '<p><a rel="noopener noreferrer nofollow">bel</a> en <a rel="noopener noreferrer nofollow">bestand</a></p>')
    assert str(render_markdown("[mail](mailto:a@example.org)")) == (
        '<p><a href="mailto:a@example.org" rel="noopener noreferrer nofollow">mail</a></p>')
