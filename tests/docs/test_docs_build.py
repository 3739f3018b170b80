"""The documentation site builds strictly: API reference from the docstrings, tutorials, command line."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "mkdocs_jupyter"):
    pytest.importorskip(module, reason="the docs extra is not installed: pip install -e '.[docs]'")

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.py"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built by ``mkdocs build --strict`` into a temporary folder: (site dir, build output)."""
    site_dir = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = build.stdout + build.stderr
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{output[-5000:]}"
    return site_dir, output


def test_build_has_no_warnings(site):
    _, output = site
    warnings = [line for line in output.splitlines() if re.match(r"\s*(WARNING|ERROR)\b", line)]
    assert not warnings, "\n".join(warnings)


def test_api_pages_render_the_docstrings(site):
    site_dir, _ = site
    layers = (site_dir / "api" / "layers" / "index.html").read_text(encoding="utf-8")
    assert 'id="layerwise.layers.affine_forward"' in layers
    assert "Fully connected layer" in layers          # affine_forward's docstring, rendered
    assert 'id="layerwise.layers.batchnorm_backward"' in layers
    for page in sorted((ROOT / "docs" / "api").glob("*.md")):
        module = re.search(r"^::: (layerwise[\w.]*)", page.read_text(encoding="utf-8"), re.M).group(1)
        html = (site_dir / "api" / page.stem / "index.html").read_text(encoding="utf-8")
        assert html.count(f'id="{module}.') >= 1, f"{page.name}: no documented member of {module}"
    solver = (site_dir / "api" / "solver" / "index.html").read_text(encoding="utf-8")
    assert 'id="layerwise.solver.Solver.train"' in solver


def test_every_tutorial_has_a_page_listed_in_the_nav(site):
    site_dir, _ = site
    if not TUTORIALS:
        pytest.skip("no tutorials in docs/tutorials/")
    in_nav = set(re.findall(r'href="tutorials/([^/"]+)/"', (site_dir / "index.html").read_text(encoding="utf-8")))
    for script in TUTORIALS:
        page = site_dir / "tutorials" / script.stem / "index.html"
        assert page.is_file(), f"{script.name} has no page"
        assert 'class="jupyter-wrapper"' in page.read_text(encoding="utf-8"), f"{script.name} not rendered as a notebook"
    missing = sorted(s.name for s in TUTORIALS if s.stem not in in_nav)
    assert not missing, f"not listed in the nav of mkdocs.yml: {missing}"


def test_command_line_page_lists_every_subcommand(site):
    site_dir, _ = site
    usage = subprocess.run([sys.executable, "-m", "layerwise", "--help"], capture_output=True, text=True,
                           timeout=60, cwd=ROOT).stdout
    commands = re.search(r"\{([a-z_,]+)\}", usage).group(1).split(",")
    assert "train" in commands
    html = (site_dir / "cli" / "index.html").read_text(encoding="utf-8")
    described = set(re.findall(r"<td><code>([a-z_]+)", html))      # first column of the commands table
    missing = sorted(set(commands) - described)
    assert not missing, f"docs/cli.md does not describe: {missing}"
