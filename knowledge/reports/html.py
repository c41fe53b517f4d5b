"""HTML of a markdown report: a complete, styled, safe document (no raw HTML, no unsafe links)."""

from __future__ import annotations

import html
import re
from typing import Any

STYLE = """
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2328;
       background: #fff; margin: 0; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #005eb8; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
tr:nth-child(even) td { background: #fafbfc; }
blockquote { margin: 1rem 0; padding: .5rem 1rem; border-left: 4px solid #005eb8; background: #f6f8fa;
             color: #374151; }
em { color: #57606a; }
hr { border: 0; border-top: 1px solid #d0d7de; margin: 2rem 0 1rem; }
@media print { main { max-width: none; margin: 0; } a { color: inherit; } }
"""


def render_html(md: str, title: str) -> str:
    """A complete, well-formed HTML (XHTML-compatible) document of a markdown report.

    The markdown is escaped where it is written (md_escape); the renderer is safe on its own as well:
    raw HTML comes out as text and links go nowhere but http(s) and mailto, whatever markdown it gets."""
    body = _safe_markdown().convert(md)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


_SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def safe_url(url: str) -> bool:
    """Whether a link or image address may stay: http(s) and mailto only (no javascript:, data:, file:).

    Browsers drop tabs, newlines and other control characters inside a scheme ("java<TAB>script:") and
    decode entities in attributes, so both are undone before the scheme is read; an address with no
    scheme is relative, and a report has nothing to point to relatively, so it goes too."""
    import markdown

    decoded = html.unescape(url.replace(markdown.util.AMP_SUBSTITUTE, "&"))
    scheme = _SCHEME.match(re.sub(r"[\x00-\x20\x7f]+", "", decoded).lower())
    return scheme is not None and scheme.group(1) in _SAFE_SCHEMES


def _safe_markdown() -> Any:
    """Python-Markdown without raw HTML (block or inline: tags come out escaped) and with unsafe link and
    image addresses removed."""
    import markdown
    from markdown.treeprocessors import Treeprocessor

    class SafeLinks(Treeprocessor):
        def run(self, root: Any) -> None:
            for element in root.iter():
                for attribute in ("href", "src"):
                    value = element.get(attribute)
                    if value is not None and not safe_url(value):
                        del element.attrib[attribute]

    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="xhtml")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(SafeLinks(md), "safe_links", -1)  # last: the addresses are final by then
    return md


def report_title(md: str) -> str:
    """The first heading of a report, as plain text (for the HTML title)."""
    for line in md.splitlines():
        if line.startswith("# "):
            return html.unescape(re.sub(r"\\(.)", r"\1", line[2:])).strip()
    return "Roundtable Desk report"
