"""Many runs at once: ``layerwise runs`` lists them, ``layerwise compare`` puts them on one page.

A run is any folder holding a ``config.json`` written by ``layerwise train``
(:class:`~layerwise.app.rundir.RunDirectory`), found below the folder given,
sweep trials included.  Listing reads only the verified JSON files; a run
whose files are damaged is listed with that status rather than stopping the
listing.
"""

from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path

from ..fileio import atomic_write_bytes
from ..tracking import ARTIFACTS_FOLDER
from ..vis import plot_panels
from . import pages
from .rundir import RunDirectory

__all__ = ["find_runs", "describe_run", "format_runs", "compare_runs"]

# What the listing and the page show of every run: (column, key in the description).
COLUMNS = (("run", "name"), ("model", "model"), ("data", "dataset"), ("val acc", "best_val_acc"),
           ("test acc", "test_acc"), ("epochs", "epochs"), ("seconds", "train_seconds"), ("status", "status"))


def find_runs(root=".") -> list[RunDirectory]:
    """Every run directory at or below ``root``, in order of their paths; hidden (staging) folders and
    MLflow's copies of tracked runs are skipped."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder; give the folder that holds the runs (default: runs)")
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != ARTIFACTS_FOLDER)
        if RunDirectory.CONFIG in files:
            found.append(RunDirectory(folder))
            subfolders[:] = []              # a run's own folder holds no other runs
    return sorted(found, key=lambda run: str(run.path))


def describe_run(run: RunDirectory, root=None) -> dict:
    """A run's name (relative to ``root``), model, data, key results, wall time and status.

    ``status`` is ``finished``, ``diverged`` (finished early on a NaN or exploding
    loss), ``stopped`` (a checkpoint, no final model: ``layerwise resume`` continues
    it), ``not started`` (no checkpoint yet) or ``damaged: <why>`` (a file failed
    its checksum or could not be read).
    """
    name = str(run.path.relative_to(root)) if root is not None and run.path != Path(root) else run.path.name
    row = {"name": name, "path": str(run.path), "config": {}, "history": []}
    try:
        record = run.read_config()
        row["config"] = dict(record.get("config", {}))
        row.update(model=row["config"].get("model"), dataset=row["config"].get("dataset"))
        if run.finished():
            summary = run.read_summary()
            row.update({k: summary.get(k) for k in ("best_val_acc", "test_acc", "epochs", "train_seconds")})
            row["status"] = "diverged" if summary.get("diverged") else "finished"
        else:
            row["status"] = "stopped" if run.has_checkpoint() else "not started"
        row["history"] = _read_metrics(run)
        if "epochs" not in row and row["history"]:
            last = row["history"][-1]
            row.update(epochs=last.get("epoch"), train_seconds=last.get("seconds"),
                       best_val_acc=max(e.get("val_acc", 0.0) for e in row["history"]))
    except (OSError, ValueError) as exc:      # CheckpointError (a failed checksum) is a ValueError
        row["status"] = f"damaged: {exc}"
    return row


def _read_metrics(run: RunDirectory) -> list:
    path = run.file(RunDirectory.METRICS)
    if not path.is_file():
        return []
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON lines ({exc})") from None


def _cell(value, key=None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if key == "train_seconds" else f"{value:.4f}"
    return str(value)


def format_runs(rows: list) -> str:
    """The rows of :func:`describe_run` as a text table, one line per run (numbers right-aligned)."""
    if not rows:
        return "no runs"
    table = [[_cell(row.get(key), key) for _, key in COLUMNS] for row in rows]
    headers = [column for column, _ in COLUMNS]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    numeric = {i for i, (_, key) in enumerate(COLUMNS) if key in ("best_val_acc", "test_acc", "epochs",
                                                                  "train_seconds")}

    def line(cells):
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(headers), *(line(r) for r in table)])


# --------------------------------------------------------------------------- the comparison page

def compare_runs(run_dirs, out) -> Path:
    """Write ``out``: one self-contained HTML page comparing the runs ``run_dirs``.

    It overlays their loss, training and validation accuracy per epoch (one
    figure, embedded as PNG), tabulates their results, and tabulates their
    configs with the keys whose values differ between the runs highlighted.
    """
    if len(run_dirs) < 1:
        raise ValueError("compare needs at least one run directory")
    rows = [describe_run(RunDirectory.open(d)) for d in run_dirs]
    names = _unique_names(rows)
    esc = html.escape
    figure = _curves(rows, names)
    results = "".join("<tr>" + "".join(f"<td>{esc(_cell(name if key == 'name' else row.get(key), key))}</td>"
                                       for _, key in COLUMNS) + "</tr>" for name, row in zip(names, rows))
    keys = sorted({k for row in rows for k in row["config"]})
    config_rows = []
    for key in keys:
        values = [json.dumps(row["config"].get(key)) for row in rows]
        differs = len(set(values)) > 1
        cells = "".join(f"<td>{esc(v)}</td>" for v in values)
        config_rows.append(f"<tr class='{'differs' if differs else 'same'}'><th>{esc(key)}</th>{cells}</tr>")
    differing = sum("differs" in r for r in config_rows)
    body = f"""<h1>{len(rows)} runs compared</h1>
<p>Written {time.strftime("%Y-%m-%d %H:%M:%S")}. Curves are per epoch, from each run's <code>metrics.jsonl</code>.</p>
{figure}
<h2>Results</h2>
<table><tr>{"".join(f"<th>{esc(c)}</th>" for c, _ in COLUMNS)}</tr>{results}</table>
<h2>Configurations</h2>
<p>{differing} of {len(keys)} keys differ between the runs (highlighted).</p>
<table><tr><th>key</th>{"".join(f"<th>{esc(n)}</th>" for n in names)}</tr>{"".join(config_rows)}</table>"""
    page = pages.page(f"layerwise: {len(rows)} runs compared", body)
    return atomic_write_bytes(out, page.encode())


def _unique_names(rows) -> list:
    """The runs' folder names, with their parent folders prepended where two runs share a name."""
    names = [Path(row["path"]).name for row in rows]
    if len(set(names)) < len(names):
        names = [str(Path(row["path"]).resolve().relative_to(Path(os.path.commonpath(
            [str(Path(r["path"]).resolve()) for r in rows])).parent)) for row in rows]
    return names


def _curves(rows, names) -> str:
    """The overlaid curves as an embedded PNG ``<figure>``, or a note where matplotlib is missing."""
    panels = {}
    for ylabel, key in (("loss", "loss"), ("training accuracy", "train_acc"), ("validation accuracy", "val_acc")):
        panels[ylabel] = {name: ([e.get("epoch") for e in row["history"]], [e.get(key) for e in row["history"]])
                          for name, row in zip(names, rows) if row["history"]}
    if not any(panels.values()):
        return "<p>No run has recorded an epoch yet.</p>"
    try:
        fig = plot_panels(panels, xlabel="epoch", logx=False, logy=("loss",))
    except ImportError as exc:
        return f"<p>Curves not drawn: {html.escape(str(exc))}</p>"
    return pages.figure_tag(pages.png_of(fig), "Loss and accuracy per epoch")
