"""A tiny document model rendered to both Markdown and standalone HTML.

The report is built once as a list of blocks (headings, paragraphs, tables,
images, lists) and rendered twice, so the HTML is well formed by construction
and needs no Markdown parser dependency.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th { background: #eee; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; }
code { background: #f3f3f3; padding: 0 0.2em; }
"""


def format_value(value: object, digits: int = 3) -> str:
    """Numbers to fixed decimals, missing values to an empty cell."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}f}"
    return str(value)


@dataclass
class Document:
    """Ordered report blocks; ``to_markdown`` and ``to_html`` render them.

    Parameters
    ----------
    title : str
        The document's title (the Markdown ``#`` heading and the HTML ``<title>``).
    blocks : list of tuple, optional
        Blocks already added; normally built with the methods below.

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.evaluation import Document
    >>> doc = Document("Scores")
    >>> doc.table(pd.DataFrame({"method": ["pooled"], "f1": [0.6812]}))
    >>> print(doc.to_markdown().splitlines()[-1])
    | pooled | 0.681 |
    """

    title: str
    blocks: list[tuple] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(("heading", level, text))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("paragraph", text))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(("bullets", list(items)))

    def table(self, frame: pd.DataFrame, digits: int = 3) -> None:
        cells = [[format_value(v, digits) for v in row] for row in frame.itertuples(index=False)]
        self.blocks.append(("table", [str(c) for c in frame.columns], cells))

    def image(self, alt: str, relative_path: str) -> None:
        self.blocks.append(("image", alt, relative_path))

    def to_markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out += ["#" * block[1] + " " + block[2], ""]
            elif kind == "paragraph":
                out += [block[1], ""]
            elif kind == "bullets":
                out += [f"- {item}" for item in block[1]] + [""]
            elif kind == "table":
                header, rows = block[1], block[2]
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "|".join("---" for _ in header) + "|")
                out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
                out.append("")
            elif kind == "image":
                out += [f"![{block[1]}]({block[2]})", ""]
        return "\n".join(out)

    def to_html(self) -> str:
        esc = html.escape
        body = [f"<h1>{esc(self.title)}</h1>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                body.append(f"<h{block[1]}>{esc(block[2])}</h{block[1]}>")
            elif kind == "paragraph":
                body.append(f"<p>{_inline_code(esc(block[1]))}</p>")
            elif kind == "bullets":
                items = "".join(f"<li>{_inline_code(esc(i))}</li>" for i in block[1])
                body.append(f"<ul>{items}</ul>")
            elif kind == "table":
                head = "".join(f"<th>{esc(h)}</th>" for h in block[1])
                rows = "".join(
                    "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in block[2]
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            elif kind == "image":
                body.append(f'<p><img src="{esc(block[2])}" alt="{esc(block[1])}"></p>')
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body)
            + "\n</body>\n</html>\n"
        )


def _inline_code(escaped: str) -> str:
    """Turn Markdown ``code`` spans (already HTML-escaped text) into <code> elements."""
    parts = escaped.split("`")
    if len(parts) % 2 == 0:  # unbalanced backticks: leave the text as is
        return escaped
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
