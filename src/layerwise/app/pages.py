"""The self-contained HTML pages the application writes (run report, comparison, sweep report):
one style, and figures embedded as PNG so that a page survives being copied alone."""

from __future__ import annotations

import base64
import html
import io

__all__ = ["STYLE", "figure_tag", "png_of", "page"]

STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}img{max-width:100%}.warn{color:#a00}"
         "tr.differs{background:#fff3b0;font-weight:bold}")


def png_of(fig) -> bytes:
    """The PNG of a matplotlib figure (what a notebook shows inline)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def figure_tag(png: bytes, caption: str) -> str:
    """A ``<figure>`` holding ``png`` inline (base64) with ``caption``."""
    data, text = base64.b64encode(png).decode(), html.escape(caption)
    return f"<figure><img src='data:image/png;base64,{data}' alt='{text}'><figcaption>{text}</figcaption></figure>"


def page(title: str, body: str) -> str:
    """A whole HTML document: ``title`` (plain text) and ``body`` (HTML)."""
    return (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>\n"
            f"<style>{STYLE}</style>\n</head><body>\n{body}\n</body></html>\n")
