"""The repository stands on its own: nothing in it reads from a folder beside it.

Our own machines have a read-only ``shared`` folder beside the project (KT's slide deck, the compilation of
published figures); a clone has nothing beside it. The facts the tests need from there are copied into
tests/data/, with their sources named. This test keeps it so: no file of the project may build a path to that
folder. In Python every string constant is read (so ``ROOT.parent / "shared" / "seed"`` is caught by its
``"shared"``), comments are not (a comment may name where a fact was copied from); in other files every line
that is not a ``#`` comment is read.
"""

import ast
import os
import re
import subprocess

from tests.conftest import ROOT

SKIPPED_FOLDERS = {".git", ".venv", "instance", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache", "reports"}
# "shared" as a whole path component: a constant that is just the folder's name, or that has it between slashes.
FOLDER_IN_STRING = re.compile(r"(^|[/\\])shared([/\\]|$)")
FOLDER_IN_TEXT = re.compile(r"(?<![\w-])shared[/\\]|[/\\]shared(?![\w-])")
COMMENTED = (".toml", ".sh", ".cfg", ".ini", ".yml", ".yaml", ".txt", "")


def project_files():
    """The project's files: git's tracked and not-ignored ones, or, without git, a walk of the folder."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\0")
        names = [name for name in listed if name]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for folder, subfolders, files in os.walk(ROOT):
            subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS]
            names += [os.path.relpath(os.path.join(folder, name), ROOT) for name in files]
    return sorted(name for name in names if (ROOT / name).is_file())


def references_in_python(source):
    """(line, text) of every string constant that names the folder as a path component."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and FOLDER_IN_STRING.search(node.value)
    ]


def references_in_text(text, suffix):
    """(line, text) of every line that names the folder in a path, ``#`` comments left out where they are ones."""
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if FOLDER_IN_TEXT.search(line) and not (suffix in COMMENTED and line.lstrip().startswith("#"))
    ]


def references(name):
    path = ROOT / name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []  # not text
    if path.suffix == ".py":
        return references_in_python(text)
    return references_in_text(text, path.suffix)


def test_the_project_has_files_to_check():
    files = project_files()
    assert "tests/conftest.py" in files and "readiness/core/questionnaire.py" in files
    assert not any(name.startswith((".venv/", "instance/")) for name in files)


def test_no_file_refers_to_a_folder_beside_the_project():
    found = [f"{name}:{line}: {text!r}" for name in project_files() for line, text in references(name)]
    assert found == [], "the project must not read from outside itself:\n" + "\n".join(found)


def test_the_data_files_name_their_sources():
    for name in ("deck_wordings.txt", "kt2024_published_figures.md"):
        head = " ".join((ROOT / "tests" / "data" / name).read_text(encoding="utf-8")[:800].split())
        assert "Kysely tekoälystä kunta- ja hyvinvointialalla" in head, name
        assert "Kunta- ja hyvinvointialuetyönantajat KT" in head, name


def test_the_check_catches_the_old_ways_of_reaching_the_folder():
    """The lines that read the folder before these tests had copies of their own, and other ways to write them."""
    old_code = [
        'SEED = ROOT.parent / "shared" / "seed" / "000_ab0e4807fd86a95d.txt"',
        'PUBLISHED = ROOT.parent / "shared" / "reference" / "kt2024-published-figures.md"',
        'DECK = os.path.join(ROOT, "..", "shared", "seed")',
        # The slashes come from format(), so that this file itself holds no such path.
        'DECK = Path("..{0}shared{0}seed")'.format("/"),
        "DECK = Path(f'{{ROOT}}{0}..{0}shared{0}seed')".format("/"),
    ]
    for line in old_code:
        assert references_in_python(line), line
    for line in ("cat ..{0}shared{0}seed{0}x.txt", "see [the figures](..{0}shared{0}reference{0}x.md)"):
        assert references_in_text(line.format("/"), ".md"), line
    # What the project says today is not caught: the word in a sentence, a comment naming where a fact came from.
    assert not references_in_python('# copied from ..{0}shared{0}reference\nx = "shared by every worker"'.format("/"))
    assert not references_in_text("# copied from ..{0}shared{0}seed".format("/"), ".toml")
    assert not references_in_text("on shared hardware; shared guidelines", ".md")
