"""MkDocs hook: the docstrings' Sphinx roles (``:class:`~layerwise.solver.Solver```) as code that links to
the API page of what they name (through mkdocs-autorefs), instead of showing the role literally."""

import re

# What the Markdown of a docstring makes of a role: ":class:<code>~a.b.C</code>".
_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const):<code>(~?)([\w.]+)(\(\))?</code>")


def _link(match: re.Match) -> str:
    short, name, call = match.group(1) == "~", match.group(2), match.group(3) or ""
    shown = (name.rsplit(".", 1)[-1] if short else name) + call
    # optional: a name the API pages do not document stays plain code, without a warning
    return f'<autoref identifier="{name}" optional><code>{shown}</code></autoref>'


def on_page_content(html, page, config, files):
    return _ROLE.sub(_link, html)
