"""The package's three floors, read from its source with ast: web → store → core, never the other way.

core is pure Python (no Flask, no SQL): it imports neither Flask, Werkzeug, SQLite nor the store or the web.
store holds every SQL statement and imports core, never Flask, Werkzeug or the web. Blueprint modules (one
per feature) never import one another: what they share lives in the web's shared modules (helpers, report, …).
No string in core or web reads as SQL. Every import is read: at module level or in a function, absolute or
relative, and ``importlib.import_module("…")``.
"""

import ast
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "readiness"
FLASK = re.compile(r"^flask(_\w+)?$")
# What each floor may not import (the module and everything under it); flask and flask_* are matched by FLASK.
FORBIDDEN = {
    "core": ("werkzeug", "sqlite3", "sqlite_utils", "readiness.store", "readiness.web"),
    "store": ("werkzeug", "readiness.web"),
}
# The blueprint modules the package has today: the test finds them itself, and must find at least these.
KNOWN_BLUEPRINTS = {"survey", "results", "organisations", "downloads", "console", "api", "pages"}
# A string that starts like an SQL statement. "Select from the options shown." is a message, not SQL: a SELECT
# names what it selects (a column list, *, count(...)).
SQL = re.compile(
    r"""^\s*(
        select\s+(distinct\s+)?(\*|count\s*\(|[\w.]+(\s+as\s+\w+)?\s*(,|\bfrom\b))
      | insert\s+(or\s+\w+\s+)?into\s
      | update\s+\w+\s+set\s
      | delete\s+from\s
      | (create|drop|alter)\s+(table|index|view|trigger)\b
      | pragma\s+\w+
      | explain\s+query\s+plan\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    where: str  # file:line
    target: str  # a dotted name the statement imports: a module, or a name from a module
    statement: str  # the statement's first line, as written

    def __str__(self):
        return f"{self.module} ({self.where}) imports {self.target}: `{self.statement}`"


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor_of(name):
    """core, store or web for a module of those subpackages; None for readiness/__init__.py (the app factory)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def read_imports(name, is_package, source, filename):
    """Every import in ``source``, the module ``name``, with relative imports resolved to absolute names."""
    package = name if is_package else name.rpartition(".")[0]
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Import | ast.ImportFrom | ast.Call):
            continue
        where, statement = f"{filename}:{node.lineno}", lines[node.lineno - 1].strip()
        if isinstance(node, ast.Import):
            found += [Import(name, where, alias.name, statement) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            # ``from x import y`` imports x, and y may be a module of x (``from . import report``).
            found.append(Import(name, where, origin, statement))
            found += [Import(name, where, f"{origin}.{alias.name}", statement) for alias in node.names]
        elif (
            (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(Import(name, where, node.args[0].value, statement))
    return found


SOURCES = {module_name(path): (path, path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}
IMPORTS = {
    name: read_imports(name, path.name == "__init__.py", source, str(path.relative_to(ROOT)))
    for name, (path, source) in SOURCES.items()
}


def under(target, prefix):
    return target == prefix or target.startswith(prefix + ".")


def breaks_the_floor(imported, floor):
    """Whether an import is one that ``floor`` may not make."""
    target = imported.target
    if FLASK.match(target.split(".")[0]) or any(under(target, prefix) for prefix in FORBIDDEN[floor]):
        return True
    # The top package readiness/__init__.py is the app factory, above the web: ``import readiness`` or
    # ``from readiness import create_app`` reach it; ``from readiness import core`` names a subpackage.
    if target == "readiness" and imported.statement.startswith("import readiness"):
        return True
    return under(target, "readiness") and target.count(".") == 1 and target.split(".")[1] not in ("core", "store")


def offending(floor):
    return [
        i for name, found in IMPORTS.items() if floor_of(name) == floor for i in found if breaks_the_floor(i, floor)
    ]


def defines_a_blueprint(source):
    """Whether a module makes a blueprint at module level: ``bp = Blueprint(...)`` or ``localized_blueprint(...)``."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            called = getattr(node.value.func, "id", None) or getattr(node.value.func, "attr", None)
            if called in ("Blueprint", "localized_blueprint"):
                return True
    return False


BLUEPRINTS = {name for name, (_, source) in SOURCES.items() if floor_of(name) == "web" and defines_a_blueprint(source)}


def test_the_package_has_three_floors_and_its_blueprints_are_found():
    assert {"core", "store", "web"} <= {floor_of(name) for name in SOURCES}
    assert {f"readiness.web.{name}" for name in KNOWN_BLUEPRINTS} <= BLUEPRINTS, sorted(BLUEPRINTS)


def test_core_imports_neither_flask_nor_sqlite_nor_the_store_nor_the_web():
    found = offending("core")
    assert found == [], "core must stay pure Python:\n" + "\n".join(map(str, found))


def test_store_imports_neither_flask_nor_the_web():
    found = offending("store")
    assert found == [], "store may import core, never Flask or the web:\n" + "\n".join(map(str, found))


def test_blueprint_modules_never_import_one_another():
    found = [
        imported
        for name in sorted(BLUEPRINTS)
        for imported in IMPORTS[name]
        if any(under(imported.target, other) for other in BLUEPRINTS - {name})
    ]
    assert found == [], "blueprints share through helpers, report and the like:\n" + "\n".join(map(str, found))


def sql_literals(floor):
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.strip()[:80]!r}"
        for name, (path, source) in SOURCES.items()
        if floor_of(name) == floor
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
    ]


@pytest.mark.parametrize("floor", ["core", "web"])
def test_no_sql_outside_the_store(floor):
    found = sql_literals(floor)
    assert found == [], f"SQL belongs in readiness/store/; found in {floor}:\n" + "\n".join(found)


def test_the_sql_check_recognises_the_stores_statements_and_not_messages():
    """The check above is worth something only if it sees real statements: those in the store."""
    found = " ".join(sql_literals("store")).lower()
    for statement in ("'select", "'insert into", "'update", "'delete from", "'create table"):
        assert statement in found, statement
    for message in ("Select from the options shown.", "Select at most 3 options.", "Update your answers", "Delete"):
        assert not SQL.match(message), message
    # An f-string's text parts are string constants too: f"select count(*) from {table}".
    assert SQL.match("select count(*) from ")


@pytest.mark.parametrize(
    ("name", "source", "floor", "expected"),
    [
        ("readiness.core.x", "from flask import g", "core", "flask"),
        ("readiness.core.x", "import flask_babel", "core", "flask_babel"),
        ("readiness.core.x", "def f():\n    import sqlite3", "core", "sqlite3"),
        ("readiness.core.x", "from sqlite_utils import Database", "core", "sqlite_utils"),
        ("readiness.core.x", "from werkzeug.security import check_password_hash", "core", "werkzeug.security"),
        ("readiness.core.x", "from ..store import records", "core", "readiness.store"),
        ("readiness.core.x", "from .. import web", "core", "readiness.web"),
        ("readiness.core.x", "from readiness.web.helpers import get_db", "core", "readiness.web.helpers"),
        ("readiness.core.x", "from readiness import create_app", "core", "readiness.create_app"),
        ("readiness.core.x", "import importlib\nimportlib.import_module('flask')", "core", "flask"),
        ("readiness.store.x", "from ..web import survey", "store", "readiness.web"),
        ("readiness.store.x", "from flask import current_app", "store", "flask"),
        ("readiness.store", "from ..web.report import cached", "store", "readiness.web.report"),
    ],
)
def test_the_import_reader_catches_each_kind_of_forbidden_import(name, source, floor, expected):
    imports = read_imports(name, name.count(".") == 1, source, "probe.py")
    assert expected in {i.target for i in imports if breaks_the_floor(i, floor)}


def test_the_import_reader_resolves_relative_imports_as_python_does():
    downloads = {i.target for i in IMPORTS["readiness.web.downloads"]}
    assert {"readiness.web.report", "readiness.web.helpers.get_db", "readiness.core.exports"} <= downloads
    assert "readiness.core.scoring" in {i.target for i in IMPORTS["readiness.core.peers"]}
    allowed = read_imports("readiness.store.x", False, "from ..core import peers\nfrom . import records", "p.py")
    assert {i.target for i in allowed} == {
        "readiness.core",
        "readiness.core.peers",
        "readiness.store",
        "readiness.store.records",
    }
    assert not any(breaks_the_floor(i, "store") for i in allowed)


def test_the_core_and_the_store_load_without_flask():
    """Importing the rules and the store (in a fresh interpreter) loads no part of the web framework."""
    probe = (
        "import sys, pkgutil, importlib, readiness.core, readiness.store\n"
        "for package in (readiness.core, readiness.store):\n"
        "    for module in pkgutil.iter_modules(package.__path__):\n"
        "        importlib.import_module(f'{package.__name__}.{module.name}')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug', 'flask_babel', 'flask_wtf')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"
