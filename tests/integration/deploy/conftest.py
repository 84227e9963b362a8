"""Prints the deploy rehearsal's per-bundle cold start at the end of the run (CI's log keeps it)."""

from __future__ import annotations

REPORT_ATTRIBUTE = "rehearsal_report"  # set on pytest's config by test_rehearsal.py's fixture


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = getattr(config, REPORT_ATTRIBUTE, None)
    if report is not None:
        terminalreporter.write_sep("-", "deploy rehearsal: each bundle served alone")
        for line in report.table():
            terminalreporter.write_line(line)
