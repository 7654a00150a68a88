"""A pytest plugin that scripts/test loads: it says whether the PostgreSQL tests really ran.

The fixtures skip the PostgreSQL half of the suite when no server answers, which is right on a
laptop and wrong in CI. This prints one line before pytest's closing line, and when
CHAPAR_TEST_REQUIRE_POSTGRES=1 (scripts/test sets it when CI=true) turns "all PostgreSQL tests
skipped" into a failed run.
"""
import os

import pytest

_outcomes = {}  # nodeid -> "ran" or "skipped"


def _is_postgres(report):
    return "postgres" in report.keywords or "[postgres" in report.nodeid


def pytest_runtest_logreport(report):
    if not _is_postgres(report):
        return
    if report.skipped and report.when in ("setup", "call"):
        _outcomes[report.nodeid] = "skipped"
    elif report.when == "call":
        _outcomes[report.nodeid] = "ran"
    elif report.failed and report.when == "setup":
        _outcomes[report.nodeid] = "ran"  # it tried, and failed loudly: not a silent skip


def _required():
    return os.environ.get("CHAPAR_TEST_REQUIRE_POSTGRES", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    # Runs before the terminal reporter's own sessionfinish, so our line lands above the
    # closing "N passed" line and the exit status we set is the one pytest returns.
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller sees every report and speaks for the run
    ran = sum(1 for v in _outcomes.values() if v == "ran")
    skipped = sum(1 for v in _outcomes.values() if v == "skipped")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not _outcomes:
        line, bad = "PostgreSQL: no PostgreSQL tests were selected", False
    elif ran == 0:
        line, bad = f"PostgreSQL: NOT TESTED - all {skipped} PostgreSQL tests were skipped (no server?)", _required()
    else:
        line, bad = f"PostgreSQL: {ran} tests ran, {skipped} skipped", False
    if bad:
        line += "; CHAPAR_TEST_REQUIRE_POSTGRES is set, so this run fails"
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if reporter is not None:
        reporter.write_sep("-", line, red=bad, bold=True)
