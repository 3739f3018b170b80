"""layerwise runs lists every run below a folder; layerwise compare puts several on one page."""

import base64
import re
import shutil

import pytest

from layerwise.app.compare import describe_run, find_runs, format_runs
from layerwise.app.rundir import RunDirectory
from layerwise.checkpoint import load_verified_json, save_verified_json
from layerwise.cli import main

def _train(out_dir, name, *settings):
    assert main(["train", "--out-dir", str(out_dir), "--name", name, "--quiet", "--set", "hidden_dims=[24]",
                 *(arg for s in settings for arg in ("--set", s))]) == 0
    return out_dir / name


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Four runs: two finished (different learning rates and lengths), one stopped, one damaged."""
    root = tmp_path_factory.mktemp("runs")
    _train(root, "fast", "learning_rate=3e-3", "num_epochs=3")
    _train(root, "slow", "learning_rate=1e-3", "num_epochs=2")
    stopped = RunDirectory.open(_train(root / "sweep", "trial-0", "num_epochs=1"))   # runs nested one deeper count
    stopped.file(stopped.SUMMARY).unlink()
    stopped.file(stopped.MODEL).unlink()
    damaged = RunDirectory.open(_train(root, "zz-damaged", "num_epochs=1"))
    text = damaged.file(damaged.SUMMARY).read_text()
    damaged.file(damaged.SUMMARY).write_text(text.replace('"epochs": 1', '"epochs": 7'))   # edited by hand
    (root / ".staging.tmp").mkdir()                                        # a half-made run: not listed
    (root / ".staging.tmp" / "config.json").write_text("{}")
    return root


def test_runs_are_found_below_a_folder_with_their_status(runs):
    rows = [describe_run(run, root=runs) for run in find_runs(runs)]
    assert [r["name"] for r in rows] == ["fast", "slow", "sweep/trial-0", "zz-damaged"]
    fast, slow, stopped, damaged = rows
    assert (fast["status"], fast["model"], fast["dataset"], fast["epochs"]) == ("finished", "fc", "digits", 3)
    summary = load_verified_json(runs / "fast" / "summary.json")
    assert fast["best_val_acc"] == summary["best_val_acc"] and fast["train_seconds"] == summary["train_seconds"]
    assert slow["epochs"] == 2 and len(slow["history"]) == 3                  # epoch 0 is evaluated too
    assert stopped["status"] == "stopped" and stopped["epochs"] == 1          # figures from its metrics so far
    assert damaged["status"].startswith("damaged: ") and "summary.json" in damaged["status"]


def test_runs_command_prints_one_line_per_run(runs, capsys):
    assert main(["runs", str(runs)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "model", "data", "val", "acc", "test", "acc", "epochs", "seconds", "status"]
    assert [line.split()[0] for line in lines[1:]] == ["fast", "slow", "sweep/trial-0", "zz-damaged"]
    fast = lines[1].split()
    assert fast[1:3] == ["fc", "digits"] and fast[5] == "3" and fast[-1] == "finished"
    assert re.fullmatch(r"0\.\d{4}", fast[3]) and lines[3].split()[-1] == "stopped"
    assert format_runs([]) == "no runs"


def test_runs_of_a_missing_folder_is_one_line(tmp_path, capsys):
    assert main(["runs", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"layerwise runs: error: {tmp_path / 'nowhere'} is not a folder; give the folder that holds "
                   f"the runs (default: runs)"]


def test_compare_writes_one_page_with_curves_results_and_differing_config_keys(runs, tmp_path, capsys):
    out = tmp_path / "page.html"
    assert main(["compare", str(runs / "fast"), str(runs / "slow"), str(runs / "sweep" / "trial-0"),
                 "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"comparison of 3 runs: {out}"
    page = out.read_text()
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(images) == 1 and base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"
    differing = re.findall(r"<tr class='differs'><th>(\w+)</th>", page)
    assert differing == ["learning_rate", "name", "num_epochs", "out_dir"]   # everything else is the same
    assert "4 of 22 keys differ" in page
    for name in ("fast", "slow", "trial-0"):
        assert f"<th>{name}</th>" in page
    assert "<td>stopped</td>" in page and page.count("<td>finished</td>") == 2


def test_compare_refuses_a_folder_that_is_not_a_run(runs, tmp_path, capsys):
    assert main(["compare", str(runs / "fast"), str(tmp_path), "--out", str(tmp_path / "page.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"layerwise compare: error: {tmp_path} is not a run directory: {tmp_path / 'config.json'} "
                   f"is missing"]
    assert not (tmp_path / "page.html").exists()


def test_two_runs_of_the_same_name_are_told_apart(runs, tmp_path):
    shutil.copytree(runs / "fast", tmp_path / "copy" / "fast")
    config_path = tmp_path / "copy" / "fast" / "config.json"
    record = load_verified_json(config_path)
    record["config"]["seed"] = 1
    save_verified_json(config_path, record)
    out = tmp_path / "page.html"
    assert main(["compare", str(runs / "fast"), str(tmp_path / "copy" / "fast"), "--out", str(out)]) == 0
    page = out.read_text()
    assert re.findall(r"<tr class='differs'><th>(\w+)</th>", page) == ["seed"]
    headers = re.search(r"<tr><th>key</th>(.*?)</tr>", page).group(1)
    names = re.findall(r"<th>(.*?)</th>", headers)
    assert len(set(names)) == 2 and all(n.endswith("fast") for n in names)


def test_the_page_renders_in_a_browser(runs, tmp_path, page_title_in_chromium):
    out = tmp_path / "page.html"
    assert main(["compare", str(runs / "fast"), str(runs / "slow"), "--out", str(out)]) == 0
    title = page_title_in_chromium(out, "' highlighted:' + document.querySelectorAll('tr.differs').length")
    assert title == "images:1 broken:0 highlighted:3"
