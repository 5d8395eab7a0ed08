"""A small document model (paragraphs, lists, tables, preformatted text, timed sections),
rendered to Markdown and to HTML: the pre-mortem pack's two outputs from one model."""

from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass(frozen=True)
class Preformatted:
    text: str


Block = Paragraph | Bullets | Table | Preformatted


@dataclass
class Section:
    title: str
    minutes: int | None = None
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    intro: list[Block]
    sections: list[Section]


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def render_markdown(document: Document) -> str:
    """The document as Markdown (GitHub-flavoured tables)."""
    lines = [f"# {document.title}", ""]

    def blocks(items: list[Block]) -> None:
        for block in items:
            if isinstance(block, Paragraph):
                lines.extend([block.text, ""])
            elif isinstance(block, Bullets):
                lines.extend([f"- {item}" for item in block.items] + [""])
            elif isinstance(block, Preformatted):
                lines.extend(["```text", block.text, "```", ""])
            else:
                if block.caption:
                    lines.extend([f"**{block.caption}**", ""])
                lines.append("| " + " | ".join(_md_cell(h) for h in block.headers) + " |")
                lines.append("|" + "---|" * len(block.headers))
                lines.extend(
                    "| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in block.rows
                )
                lines.append("")

    blocks(document.intro)
    for section in document.sections:
        timing = f" ({section.minutes} min)" if section.minutes else ""
        lines.extend([f"## {section.title}{timing}", ""])
        blocks(section.blocks)
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #1a1a1a;
       line-height: 1.45; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #999; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
pre { background: #f5f5f5; padding: 0.5rem; overflow-x: auto; font-size: 0.85rem; }
h2 { border-bottom: 1px solid #ccc; margin-top: 2rem; }
"""


def render_html(document: Document) -> str:
    """The document as one self-contained HTML page (inline CSS, no script)."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(document.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(document.title)}</h1>",
    ]

    def blocks(items: list[Block]) -> None:
        for block in items:
            if isinstance(block, Paragraph):
                parts.append(f"<p>{html.escape(block.text)}</p>")
            elif isinstance(block, Bullets):
                parts.append(
                    "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block.items) + "</ul>"
                )
            elif isinstance(block, Preformatted):
                parts.append(f"<pre>{html.escape(block.text)}</pre>")
            else:
                caption = (
                    f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
                )
                head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in block.headers)
                body = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                    for row in block.rows
                )
                parts.append(
                    f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                )

    blocks(document.intro)
    for section in document.sections:
        timing = f" ({section.minutes} min)" if section.minutes else ""
        parts.append(f"<section><h2>{html.escape(section.title + timing)}</h2>")
        blocks(section.blocks)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
