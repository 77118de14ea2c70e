"""Comment text to safe HTML, names to plain text: pure, table-driven, no app.

Every output is parsed the way a browser parses it (the HTML5 algorithm, as the blog
inserts `html` into an element) and checked against the allowlist, so a case passes
only if nothing executable survives, however the input was disguised.
"""

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from bleach._vendor import html5lib  # the HTML5 parser bleach itself is built on

from service.screening.sanitize import to_html, to_plain

# WordPress's $allowedtags, plus the paragraphs and line breaks we write ourselves.
ALLOWED: dict[str, set[str]] = {
    "a": {"href", "title", "rel"}, "abbr": {"title"}, "acronym": {"title"}, "b": set(),
    "blockquote": {"cite"}, "cite": set(), "code": set(), "del": {"datetime"}, "em": set(),
    "i": set(), "q": {"cite"}, "s": set(), "strike": set(), "strong": set(),
    "p": set(), "br": set(),
}
URL_ATTRIBUTES = {"href", "cite"}
SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def browser_scheme(url: str) -> str | None:
    """The scheme a browser reads in a URL (WHATWG: outer C0/space trimmed, tab/newline removed)."""
    url = re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r"
                                              "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
                                              "\x1a\x1b\x1c\x1d\x1e\x1f "))
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def elements(markup: str) -> list[tuple[str, dict[str, str]]]:
    """(tag, attributes) of every element a browser builds from `markup` inside a <div>."""
    fragment = html5lib.parseFragment(markup, container="div", treebuilder="etree",
                                      namespaceHTMLElements=False)
    found = []
    for element in fragment.iter():
        if isinstance(element.tag, str) and element.tag != "DOCUMENT_FRAGMENT":
            found.append((element.tag, dict(element.attrib)))
    return found


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def start_tags(markup: str) -> list[tuple[str, dict[str, Any]]]:
    """(tag, attributes) as a second, independent tokenizer (the standard library's) reads them."""
    parser = _StartTags()
    parser.feed(markup)
    parser.close()
    return parser.tags


def assert_harmless(markup: str) -> None:
    """Only allowed tags and attributes, only http/https/mailto (or relative) URLs, rel on links."""
    for tag, attributes in [*elements(markup), *start_tags(markup)]:
        assert tag in ALLOWED, f"<{tag}> in {markup!r}"
        assert set(attributes) <= ALLOWED[tag], f"<{tag} {set(attributes)}> in {markup!r}"
        for name in URL_ATTRIBUTES & set(attributes):
            scheme = browser_scheme(attributes[name] or "")
            assert scheme is None or scheme in SCHEMES, f"{name}={attributes[name]!r} in {markup!r}"
        if tag == "a":
            assert "href" in attributes and attributes.get("rel") == "nofollow ugc", markup


def reparsed(markup: str) -> str:
    """`markup` as a browser's DOM serializes it back (innerHTML), to be parsed once more."""
    fragment = html5lib.parseFragment(markup, container="div", treebuilder="etree",
                                      namespaceHTMLElements=False)
    walker = html5lib.getTreeWalker("etree")
    return str(html5lib.serializer.HTMLSerializer(quote_attr_values="always").render(
        walker(fragment)))


def text_of(markup: str) -> str:
    """What a reader sees of `markup`: the text of every node, entities decoded."""
    fragment = html5lib.parseFragment(markup, container="div", treebuilder="etree",
                                      namespaceHTMLElements=False)
    return "".join(fragment.itertext())


# --- what is kept --------------------------------------------------------------------

@pytest.mark.parametrize("markup", [
    "<b>gras</b>", "<strong>fort</strong>", "<em>em</em>", "<i>italique</i>",
    "<code>x = 1</code>", "<cite>Montaigne</cite>", "<s>barré</s>", "<strike>barré</strike>",
    '<del datetime="2026-11-24">supprimé</del>',
    '<abbr title="intelligence artificielle">IA</abbr>',
    '<acronym title="Organisation des Nations unies">ONU</acronym>',
    '<q cite="https://example.org/source">citation</q>',
    '<blockquote cite="https://example.org/source">un bloc</blockquote>',
])
def test_the_wordpress_allowlist_is_kept(markup: str) -> None:
    assert markup in to_html(markup)
    assert_harmless(to_html(markup))


def test_a_written_link_keeps_href_and_title_and_gets_nofollow_ugc() -> None:
    html = to_html('<a href="https://example.org/a?b=1&amp;c=2" title="Un lien" '
                   'rel="dofollow" target="_blank" onclick="steal()">lien</a>')
    assert html == ('<p><a href="https://example.org/a?b=1&amp;c=2" title="Un lien" '
                    'rel="nofollow ugc">lien</a></p>')


@pytest.mark.parametrize("text", ["voir https://example.org/page?x=1 ici", "voir http://example.org",
                                  "voir www.example.org"])
def test_bare_urls_become_nofollow_ugc_links(text: str) -> None:
    html = to_html(text)
    ((tag, attributes),) = [(t, a) for t, a in elements(html) if t == "a"]
    assert attributes["rel"] == "nofollow ugc"
    assert browser_scheme(attributes["href"]) in ("http", "https")
    assert_harmless(html)


def test_urls_inside_code_are_not_linked() -> None:
    assert to_html("<code>https://example.org</code>") == "<p><code>https://example.org</code></p>"


@pytest.mark.parametrize("href", ["http://example.org", "https://example.org/x",
                                  "mailto:julie@example.org"])
def test_allowed_schemes_are_kept(href: str) -> None:
    assert f'href="{href}"' in to_html(f'<a href="{href}">x</a>')


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JaVaScRiPt:alert(1)",
                                  "data:text/html,<script>alert(1)</script>",
                                  "vbscript:msgbox(1)", "ftp://example.org/", "file:///etc/passwd",
                                  "jar:http://x!/", "tel:+33100000000", "blob:https://x/1"])
def test_other_schemes_lose_the_link_but_keep_the_words(href: str) -> None:
    html = to_html(f'<a href="{href}">les mots</a>')
    assert html == "<p>les mots</p>"


def test_a_link_without_href_is_dropped_but_its_words_stay() -> None:
    assert to_html('<a name="x" title="t">ancre</a>') == "<p>ancre</p>"


# --- layout --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "html"), [
    ("Bonjour", "<p>Bonjour</p>"),
    ("un\ndeux", "<p>un<br>deux</p>"),
    ("un\n\ndeux", "<p>un</p><p>deux</p>"),
    ("un\r\n\r\ndeux\r\ntrois", "<p>un</p><p>deux<br>trois</p>"),
    ("un\rdeux", "<p>un<br>deux</p>"),
    ("un\n  \t\n\n\ndeux", "<p>un</p><p>deux</p>"),
    ("\n\n  un  \n\n", "<p>un</p>"),
    ("<b>un\n\ndeux</b>", "<p><b>un</b></p><p>deux</p>"),
    ("", ""), ("   \n\n  ", ""),
])
def test_blank_lines_make_paragraphs_and_single_newlines_breaks(text: str, html: str) -> None:
    assert to_html(text) == html


def test_a_tag_left_open_does_not_leak_into_the_next_paragraph() -> None:
    html = to_html("<b>gras\n\n<em>deux")
    assert html == "<p><b>gras</b></p><p><em>deux</em></p>"


@pytest.mark.parametrize("markup", [
    "<p>para</p>", "<div>bloc</div>", '<span style="color:red">x</span>', "<h1>titre</h1>",
    "<table><tr><td>x</td></tr></table>", "<ul><li>x</li></ul>", "<pre>x</pre>", "<u>x</u>",
    "<marquee>x</marquee>", "<font color=red>x</font>", "<center>x</center>", "<img src=x>",
])
def test_every_other_tag_is_escaped_and_stays_visible(markup: str) -> None:
    html = to_html(markup)
    assert [tag for tag, _ in elements(html)] == ["p"]  # only our paragraph is an element
    assert text_of(html) == markup  # the reader sees what was written, as text


def test_an_escaped_tag_reads_exactly_as_written() -> None:
    assert text_of(to_html("Utilisez <div class=\"x\"> & co")) == 'Utilisez <div class="x"> & co'


# --- characters ----------------------------------------------------------------------

def test_text_is_normalized_to_nfc() -> None:
    assert to_html("Cafe\u0301") == "<p>Caf\u00e9</p>"
    assert to_plain("Zoe\u0301") == "Zo\u00e9"


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b",
                                       "\x7f", "\x85", "\x9f"])
def test_control_characters_are_dropped(character: str) -> None:
    assert to_html(f"a{character}b") == "<p>ab</p>"
    assert to_plain(f"Ju{character}lie") == "Julie"


def test_tabs_are_kept_and_nul_never_survives() -> None:
    assert to_html("a\tb") == "<p>a\tb</p>"
    assert "\x00" not in to_html("\x00<b>\x00</b>\x00x") and "\x00" not in to_plain("\x00")


@pytest.mark.parametrize(("name", "plain"), [
    ("Julie", "Julie"), ("  Julie   Martin ", "Julie Martin"), ("<b>Julie</b>", "Julie"),
    ("Julie <script>alert(1)</script>", "Julie alert(1)"), ("Tom &amp; Jerry", "Tom & Jerry"),
    ("<img src=x onerror=alert(1)>Julie", "Julie"), ("Ju\nlie", "Ju lie"), ("<b></b>", ""),
    ("O'Brien", "O'Brien"), ("a < b", "a < b"),
])
def test_names_are_plain_text(name: str, plain: str) -> None:
    assert to_plain(name) == plain


# --- the XSS corpus ------------------------------------------------------------------

XSS = [
    # scripts, plain and disguised
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    '<script\x0c>alert(1)</script>', "<script/xss src=//evil.example></script>",
    "<<script>alert(1);//<</script>",
    # event handlers
    "<img src=x onerror=alert(1)>", '"><img src=x onerror=alert(1)>',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">", "<img src=`x`onerror=alert(1)>",
    "<svg onload=alert(1)>", "<svg/onload=alert(1)>", "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>", "<b onmouseover=alert(1)>survol</b>",
    "<a href=\"https://example.org\" onmouseover=alert(1)>x</a>",
    '<strong style="x" onclick="alert(1)" class=c id=i>x</strong>',
    "<details open ontoggle=alert(1)>", "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # javascript:, data:, vbscript: links with entity, case and whitespace tricks
    '<a href="javascript:alert(1)">x</a>', '<a href="JAVASCRIPT:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>', '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>', '<a href="java\nscript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>', '<a href="jav&#9;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112'
    '&#0000116&#0000058alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>', '<a href="javascript&#58alert(1)">x</a>',
    "<a href='javascript:alert(1)'>x</a>", "<a href=javascript:alert(1)>x</a>",
    "<a href=`javascript:alert(1)`>x</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DaTa:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>', '<a href="VBScript:msgbox(1)">x</a>',
    '<a href="https://example.org" href="javascript:alert(1)">x</a>',
    '<a title="javascript:alert(1)" href="https://example.org">x</a>',
    '<q cite="javascript:alert(1)">x</q>', '<blockquote cite="data:text/html,x">x</blockquote>',
    '<a href="http://example.org/" style="x:expression(alert(1))">x</a>',
    # style and CSS expressions
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="width: expression(alert(1));">x</div>',
    "<b style=\"background-image:url('javascript:alert(1)')\">x</b>",
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # frames, objects, embeds, forms, meta
    "<iframe src=javascript:alert(1)></iframe>", "<iframe srcdoc='<script>alert(1)</script>'>",
    "<frameset><frame src=javascript:alert(1)>", '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">', "<applet code=x>",
    "<isindex action=javascript:alert(1)>",
    # unclosed and malformed
    "<script", "<img src=x onerror=alert(1)", "<a href=\"javascript:alert(1)",
    "<b <script>alert(1)",
    "<a href=https://example.org onclick=alert(1)//", "<b>unclosed", "</a></b><script>",
    "<<img src=x onerror=alert(1)>>", "<img/src=x/onerror=alert(1)>",
    "<img src=\"x\"onerror=alert(1)>",
    "<a\x00href=javascript:alert(1)>x</a>", "<scr\x00ipt>alert(1)</scr\x00ipt>",
    # mutation XSS: markup whose meaning changes on a second parse
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<b title="</b><img src=x onerror=alert(1)>">x</b>',
    '<a title="</a><img src=x onerror=alert(1)>" href="https://example.org">x</a>',
    '<abbr title="&lt;/abbr&gt;&lt;img src=x onerror=alert(1)&gt;">x</abbr>',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<math><mi><mglyph><svg><mtext><textarea><path id=\"</textarea><img onerror=alert(1) src=1>\">",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<listing>&lt;img src=x onerror=alert(1)&gt;</listing>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<textarea></textarea><img src=x onerror=alert(1)>",
    "<title><img src=x onerror=alert(1)></title>",
    "<template><img src=x onerror=alert(1)></template>",
    "<code><img src=x onerror=alert(1)></code>",
    "<q><a href=javascript:alert(1)>x</a></q>", "<blockquote><svg onload=alert(1)></blockquote>",
    # comments, CDATA, processing instructions, doctype
    "<!-- <script>alert(1)</script> -->visible", "<!--><img src=x onerror=alert(1)>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->", "<!--!><img src=x onerror=alert(1)>",
    "<![CDATA[<script>alert(1)</script>]]>", "<![CDATA[><img src=x onerror=alert(1)>]]>",
    "<?xml version=\"1.0\"?><script>alert(1)</script>", "<!DOCTYPE html><script>alert(1)</script>",
    # attributes with backticks, quotes and entities
    "<b title=`x`onmouseover=alert(1)>x</b>", "<b title='x' onmouseover='alert(1)'>x</b>",
    "<abbr title=\"x\" `onmouseover=alert(1)`>x</abbr>",
    '<b title="x"/onmouseover="alert(1)">x</b>',
    '<b title="&quot;onmouseover=&quot;alert(1)">x</b>', "<b ti&#116;le=x onclick=alert(1)>x</b>",
    # text that only looks dangerous, and an URL that would auto-link to one
    "javascript:alert(1)", "http://example.org/<script>alert(1)</script>",
    'https://example.org/"onmouseover="alert(1)', "www.example.org/\"><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "&#60;img src=x onerror=alert(1)&#62;",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
]


@pytest.mark.parametrize("payload", XSS)
def test_no_payload_leaves_anything_executable(payload: str) -> None:
    html = to_html(payload)
    assert_harmless(html)
    # What a browser builds, serialized and parsed again (a client re-rendering innerHTML),
    # must be just as harmless: no mutation turns text into markup on the second pass.
    assert_harmless(reparsed(html))


@pytest.mark.parametrize("payload", XSS)
def test_a_payload_inside_an_allowed_tag_is_still_harmless(payload: str) -> None:
    for wrapper in ("<b>{}</b>", '<a href="https://example.org">{}</a>', "<q>{}</q>",
                    '<abbr title="{}">x</abbr>', '<a href="https://example.org/{}">x</a>',
                    "<code>{}</code>", "<blockquote>{}\n\n{}</blockquote>"):
        html = to_html(wrapper.format(payload, payload))
        assert_harmless(html)
        assert_harmless(reparsed(html))


@pytest.mark.parametrize("payload", [p for p in XSS if "&" not in p and "\uff1c" not in p])
def test_a_name_keeps_no_tag_of_the_payload(payload: str) -> None:
    plain = to_plain(payload)
    assert not re.search(r"<[a-zA-Z/!?][^<>]*>", plain), plain
    assert "\x00" not in plain and "\n" not in plain


def test_a_name_reads_entities_as_characters_so_it_must_be_shown_as_text() -> None:
    # A name is plain text (API.md): a client inserts it as text, never as HTML.
    assert to_plain("&lt;b&gt;Julie&lt;/b&gt;") == "<b>Julie</b>"


@pytest.mark.parametrize("markup", [
    "<img src=x onerror=alert(1)>", '<b onclick="x">x</b>', '<a href="jav&#x09;ascript:x" '
    'rel="nofollow ugc">x</a>', '<a href=" JavaScript:x" rel="nofollow ugc">x</a>',
    '<a href="https://example.org">no rel</a>', '<q cite="data:text/html,x">x</q>',
    "<svg><script>x</script></svg>", '<noscript><p title="</noscript><img src=x onerror=x>">',
])
def test_the_checker_itself_catches_executable_markup(markup: str) -> None:
    with pytest.raises(AssertionError):
        assert_harmless(markup)


@pytest.mark.parametrize("href", ["/relative", "//evil.example/x", "#top", "?q=1",
                                  "page.html", "data:text/html,x", "ftp://files.example"])
def test_only_absolute_http_https_mailto_links_survive(href: str) -> None:
    html = to_html(f'<a href="{href}">texte</a>')
    assert html == "<p>texte</p>"


def test_a_quotation_alone_is_not_wrapped_in_a_paragraph() -> None:
    assert to_html('<blockquote cite="https://a.com">cité</blockquote>\n\nréponse') == (
        '<blockquote cite="https://a.com">cité</blockquote><p>réponse</p>')
