"""Reading a sweep's Optuna study: what each trial became, a sweep's progress while it runs, its report.

The study (in its storage) is the one record of a sweep, wherever its trials
run: in this process, in worker processes or as Ray tasks.  So progress is
watched by reading the study (:class:`SweepMonitor`), and the report is made
from it (:func:`report`: a table of trials and ``best_config.json``;
:func:`write_study_report`: ``report.html`` with Optuna's optimization
history and parameter importances).  ``spec`` is the sweep's
:class:`~layerwise.app.sweep.SweepSpec`.
"""

from __future__ import annotations

import contextlib
import html
import json
import sys
import threading
import time
import warnings
from pathlib import Path

from ..fileio import atomic_write_bytes, atomic_write_json
from ..progress import Progress
from . import pages

__all__ = ["stable_enough", "retried_trials", "trial_state", "format_value", "SweepMonitor", "report", "write_study_report"]


@contextlib.contextmanager
def stable_enough(optuna):
    """Heartbeats, trial retries and the matplotlib plots are long in Optuna but still flagged experimental."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def retried_trials(optuna, trials) -> set:
    """The numbers of the trials that were queued again (interrupted ones)."""
    with stable_enough(optuna):
        return {n for t in trials for n in optuna.storages.RetryHeartbeatStaleTrialCallback.retry_history(t)}


def trial_state(trial, retried: set) -> str:
    """complete, diverged, running, interrupted, fail, pruned or waiting."""
    state = trial.state.name.lower()
    if state == "complete" and trial.user_attrs.get("diverged"):
        return "diverged"
    if state == "fail" and (trial.number in retried or trial.user_attrs.get("interrupted")):
        return "interrupted"
    return state


def format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def _params_text(spec, trial) -> str:
    decode = {d.key: d.decode for d in spec.search}
    return " ".join(f"{k}={format_value(decode[k](v))}" for k, v in trial.params.items() if k in decode)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


# --------------------------------------------------------------------------- progress

class SweepMonitor:
    """Watches the study while trials run anywhere, reading it every ``interval`` seconds.

    It prints one line per finished trial, ending with the sweep's progress --
    ``[4/20 done, 2 running, best 0.9300 (trial 1), ETA 1:05]``, the ETA from
    this run's wall time per finished trial -- and keeps a tqdm bar of finished
    trials with the same figures where tqdm is installed.  ``open_study()``
    returns the study through a storage of the monitor's own (its thread's).
    Use it as a context manager around the trials.
    """

    def __init__(self, open_study, optuna, spec, target: int, interval: float = 1.0, verbose: bool = True):
        self.open_study, self.optuna, self.spec, self.target = open_study, optuna, spec, target
        self.interval, self.verbose = interval, verbose
        self._stop = threading.Event()
        self._thread = None
        self._seen = set()          # trials already reported (or finished before this run)
        self._study = None
        self._polling = threading.Lock()   # the watcher and the final poll never read at the same time

    def __enter__(self):
        self._study = self.open_study()
        self._seen = {t.number for t in self._finished(self._study.get_trials(deepcopy=False))}
        self._started, self._initial = time.perf_counter(), len(self._seen)
        # A bar on a terminal; in a log the trial lines, which end with the same figures, are enough.
        interactive = getattr(sys.stderr, "isatty", lambda: False)()
        self._progress = Progress(self.target, min(self._initial, self.target), self.verbose, bar=interactive,
                                  print_every=0, unit="trial")
        self._thread = threading.Thread(target=self._watch, name="sweep-monitor", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.poll()                 # the trials that finished since the last look
        self._progress.close()
        return False

    def _watch(self):
        while not self._stop.wait(self.interval):
            self.poll()

    def _finished(self, trials):
        states = self.optuna.trial.TrialState
        return [t for t in trials if t.state == states.COMPLETE]

    def status(self, trials, as_of=None) -> str:
        """``4/20 done, 2 running, best 0.9300 (trial 1), ETA 1:05`` for the study's ``trials``, counting
        only those finished by the finished trial ``as_of`` when given (two can finish between polls)."""
        finished = self._finished(trials)
        if as_of is not None:
            finished = [t for t in finished if t.datetime_complete <= as_of.datetime_complete]
        running = sum(t.state == self.optuna.trial.TrialState.RUNNING for t in trials)
        text = f"{len(finished)}/{self.target} done, {running} running"
        if finished:
            best = max(finished, key=lambda t: t.value)
            text += f", best {best.value:.4f} (trial {best.number})"
        new = len(finished) - self._initial
        left = self.target - len(finished)
        if new > 0 and left > 0:
            text += f", ETA {_clock((time.perf_counter() - self._started) / new * left)}"
        return text

    def poll(self) -> None:
        """Report the trials that finished since the last poll."""
        with self._polling:
            trials = self._study.get_trials(deepcopy=False)
            fresh = [t for t in self._finished(trials) if t.number not in self._seen]
            if not fresh:
                self._progress.advance(0, self.status(trials))
                return
            for trial in sorted(fresh, key=lambda t: t.datetime_complete):
                self._seen.add(trial.number)
                with stable_enough(self.optuna):
                    resumed = self.optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(trial)
                note = " (diverged)" if trial.user_attrs.get("diverged") else ""
                note += "" if resumed is None else f" (resumed trial {resumed})"
                seconds = trial.user_attrs.get("seconds", 0.0)
                self._progress.write(f"trial {trial.number:4d}  {self.spec.metric} {trial.value:.4f}{note}  "
                                     f"{seconds:6.1f} s  {_params_text(self.spec, trial)}  [{self.status(trials, trial)}]")
            self._progress.advance(len(fresh), self.status(trials))


# --------------------------------------------------------------------------- the report

def _rows(optuna, study, spec):
    trials = study.get_trials(deepcopy=False)
    retried = retried_trials(optuna, trials)
    decode = {d.key: d.decode for d in spec.search}
    keys = [d.key for d in spec.search]
    headers = ["trial", "state", spec.metric, "seconds"] + keys
    rows = []
    for t in trials:
        seconds = t.user_attrs.get("seconds")
        rows.append([str(t.number), trial_state(t, retried), "" if t.value is None else f"{t.value:.4f}",
                     "" if seconds is None else f"{seconds:.1f}"]
                    + [format_value(decode[k](t.params[k])) if k in t.params else "" for k in keys])
    return headers, rows


def report(optuna, study, spec, storage_url: str) -> Path | None:
    """Print the table of trials and the best configuration (written to ``best_config.json``), write
    ``report.html``; returns the best configuration's path (None before any trial has finished)."""
    table = headers, rows = _rows(optuna, study, spec)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    page = write_study_report(optuna, study, spec, storage_url, table)
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not completed:
        print("no trial has finished yet")
        return None
    best = study.best_trial
    decode = {d.key: d.decode for d in spec.search}
    config = spec.trial_config({k: decode[k](v) for k, v in best.params.items()})
    path = spec.directory / "best_config.json"
    atomic_write_json(path, config.to_dict())
    note = "; every finished trial diverged" if best.user_attrs.get("diverged") else ""
    print(f"\nbest: trial {best.number}, {spec.metric} {best.value:.4f} (run {best.user_attrs.get('run_dir')}){note}")
    print("  " + _params_text(spec, best))
    print(f"  rerun it: layerwise train --config {path}")
    print(f"report: {page}\n  browse the study: optuna-dashboard {storage_url}")
    return path


def _plots(optuna, study) -> list:
    """Optuna's optimization history and parameter importances as ``<figure>`` tags (or notes why not)."""
    try:
        import matplotlib.pyplot as plt
        from optuna.visualization import matplotlib as optuna_plots
    except ImportError as exc:
        return [f"<p>Plots not drawn: {html.escape(str(exc))}</p>"]
    figures = []
    for caption, plot in (("Optimization history: every trial's value and the best so far",
                           optuna_plots.plot_optimization_history),
                          ("Parameter importances (PED-ANOVA): how much each searched key moved the value",
                           optuna_plots.plot_param_importances)):
        try:
            # rc_context: Optuna's plots switch pyplot's style, for this figure only here
            with stable_enough(optuna), warnings.catch_warnings(), plt.rc_context():
                warnings.simplefilter("ignore", UserWarning)   # "too few trials: importances are equal"
                axes = plot(study)
        except (ValueError, RuntimeError) as exc:     # e.g. importances need two finished trials
            figures.append(f"<p>{html.escape(caption.split(':')[0])}: not drawn ({html.escape(str(exc))})</p>")
            continue
        figure = axes.figure
        figure.set_size_inches(8, 4.5)
        figure.tight_layout()
        figures.append(pages.figure_tag(pages.png_of(figure), caption))
        plt.close(figure)
    return figures


def write_study_report(optuna, study, spec, storage_url: str, table=None) -> Path:
    """``OUT_DIR/NAME/report.html``: the sweep's figures and its trials, one self-contained page;
    ``table``: the ``(headers, rows)`` of the trials, when they have been read already."""
    esc = html.escape
    headers, rows = table or _rows(optuna, study, spec)
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    best = ""
    if completed:
        trial = study.best_trial
        best = (f"<p>Best: trial {trial.number}, {esc(spec.metric)} <b>{trial.value:.4f}</b> "
                f"({esc(_params_text(spec, trial))}); rerun it with "
                f"<code>layerwise train --config {esc(str(spec.directory / 'best_config.json'))}</code>.</p>")
    figures = _plots(optuna, study) if len(completed) >= 1 else ["<p>No trial has finished yet.</p>"]
    table = ("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr>"
             + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows) + "</table>")
    body = f"""<h1>Sweep {esc(spec.name)}</h1>
<p>{esc(spec.method)} search maximizing {esc(spec.metric)}: {len(completed)} of {len(rows)} trials finished.
Written {time.strftime("%Y-%m-%d %H:%M:%S")}. Each trial's run directory is
<code>{esc(str(spec.directory))}/trial-NNNN</code>.</p>
{best}
{"".join(figures)}
<h2>Trials</h2>
{table}
<h2>Browse the study</h2>
<p><code>optuna-dashboard {esc(storage_url)}</code> (from the <code>sweep</code> extra) serves the study on
<code>http://127.0.0.1:8080</code>, live while the sweep runs.</p>"""
    return atomic_write_bytes(spec.directory / "report.html", pages.page(f"layerwise sweep {spec.name}", body).encode())
