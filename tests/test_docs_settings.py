"""docs/operations.md must keep up with the code: every setting and every role is documented.

Settings are read from its "Settings" table, one row per variable:
| `CHAPAR_NAME` | default | meaning |
"""
import re
from pathlib import Path

import pytest

from chapar.config import SETTINGS
from chapar.models import ROLES

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROW = re.compile(r"^\|\s*`CHAPAR_([A-Z0-9_]+)`\s*\|(.*)$", re.MULTILINE)


def _settings_rows():
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    return {name: rest for name, rest in ROW.findall(text)}


def _documented_default(cell):
    """The default as the table writes it: the first `code` span, or the word "empty"."""
    code = re.search(r"`([^`]*)`", cell)
    if cell.strip().lower().startswith("empty"):
        return ""
    return code.group(1) if code else cell.strip()


def _code_default(setting):
    if setting.kind == "bool":
        return str(setting.default).lower()
    if setting.kind == "list":
        return ",".join(setting.default)
    return str(setting.default)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_with_its_default(setting):
    rows = _settings_rows()
    assert setting.name in rows, (
        f"CHAPAR_{setting.name} is in chapar.config.SETTINGS but has no row in docs/operations.md's settings table")
    documented = _documented_default(rows[setting.name].split("|")[0])
    assert documented == _code_default(setting), (
        f"docs/operations.md gives CHAPAR_{setting.name} the default {documented!r}; "
        f"the code says {_code_default(setting)!r}")


def test_no_documented_setting_is_stale():
    known = {s.name for s in SETTINGS}
    stale = sorted(set(_settings_rows()) - known)
    assert not stale, f"docs/operations.md documents settings the code does not read: {stale}"


def test_every_role_is_documented():
    text = (DOCS / "roles.md").read_text(encoding="utf-8")
    headings = {m.lower() for m in re.findall(r"^#+\s+(\w+)\s*$", text, re.MULTILINE)}
    missing = [role for role in ROLES if role not in headings]
    assert not missing, f"docs/roles.md has no section for role(s): {missing}"


def test_readme_commands_exist(repo_root):
    """The README's two commands name scripts that are in the repository and executable."""
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    for command in ("./scripts/run", "./scripts/test"):
        assert command in readme
        script = repo_root / command
        assert script.is_file() and script.stat().st_mode & 0o111, f"{command} must be an executable file"
    ci = (repo_root / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test" in ci, ".ci/run must call the README's test command"
