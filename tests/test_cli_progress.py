"""Progress on long runs: drawn on standard error when it is a terminal, never into a pipe."""

from __future__ import annotations

import io
import sys

import pytest

from cleaner.console import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # documents go to a file or a pipe
    with progress("cleaning", quiet_when_stdout_is_terminal=True) as advance:
        advance(3)
    assert "cleaning" in err.getvalue() and "3/?" in err.getvalue()


@pytest.mark.parametrize("stdout_is_terminal", [False, True])
def test_no_progress_into_a_pipe_or_between_documents(
    monkeypatch: pytest.MonkeyPatch, stdout_is_terminal: bool
) -> None:
    err = Terminal() if stdout_is_terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", Terminal() if stdout_is_terminal else io.StringIO())
    with progress("cleaning", quiet_when_stdout_is_terminal=True) as advance:
        advance(3)
    assert err.getvalue() == ""
