"""Training progress: a tqdm bar (the notebook widget in Jupyter) or printed lines."""

from __future__ import annotations

import sys

__all__ = ["Progress"]


class Progress:
    """Shows a run of ``total`` iterations starting at ``initial``.

    With ``bar`` and tqdm installed: a bar with the running loss and accuracies
    (``tqdm.auto``, so notebooks get a widget), redrawn often on a terminal and
    rarely when the output is a log file; messages go above it.  Otherwise
    messages and the loss every ``print_every`` iterations are printed.  With
    ``verbose=False`` nothing is shown.
    """

    def __init__(self, total, initial=0, verbose=True, bar=True, print_every=10, unit="it"):
        self.verbose, self.print_every, self.total = verbose, print_every, total
        self._out = sys.stdout   # this one, even if another thread redirects sys.stdout meanwhile
        self._bar = None
        if verbose and bar and initial < total:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # optional dependency: printed lines instead
                tqdm = None
            if tqdm is not None:
                interactive = getattr(sys.stderr, "isatty", lambda: False)()
                self._bar = tqdm(total=total, initial=initial, unit=unit, dynamic_ncols=True,
                                 mininterval=0.1 if interactive else 30)

    def iteration(self, t, losses, accuracies=None):
        """After iteration ``t`` (0-based): the losses so far (the last is ``t``'s), the last accuracies."""
        if self.print_every and t % self.print_every == 0:
            if self._bar is not None:
                recent = losses[-self.print_every:]
                self.status(sum(recent) / len(recent), accuracies)
            elif self.verbose:
                print(f"(Iteration {t + 1} / {self.total}) loss: {losses[-1]:f}", file=self._out)
        if self._bar is not None:
            self._bar.update(1)

    def status(self, loss, accuracies=None):
        """Show ``loss`` and ``accuracies`` ((train, val) or None) beside the bar."""
        if self._bar is not None:
            text = f"loss={loss:.4f}"
            if accuracies:
                text += f" train_acc={accuracies[0]:.3f} val_acc={accuracies[1]:.3f}"
            self._bar.set_postfix_str(text, refresh=False)

    def advance(self, n, text=None):
        """Count ``n`` more done and show ``text`` beside the bar (without a bar: nothing)."""
        if self._bar is not None:
            if text is not None:
                self._bar.set_postfix_str(text, refresh=False)
            self._bar.update(n)

    def write(self, message):
        if not self.verbose:
            return
        if self._bar is not None:
            self._bar.write(message, file=self._out)
            self._out.flush()
        else:
            print(message, file=self._out, flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
