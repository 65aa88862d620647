"""The lock files agree with pyproject.toml: every direct dependency at the version pyproject pins, every package
pinned with its hashes, and what the service runs on is what the tests ran on."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCKS = {"runtime": ROOT / "requirements" / "runtime.txt", "test": ROOT / "requirements" / "test.txt"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+) \\$")
HASH = re.compile(r"^ {4}--hash=sha256:[0-9a-f]{64}( \\)?$")


def read_lock(path):
    """Return {name: (version, hashes)} of a pip-compile lock, failing on any line that is not a hashed pin."""
    packages, name = {}, None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{number}: {line!r}"
        if not line.strip() or line.lstrip().startswith("#"):
            name = None if not line.strip() else name
            continue
        pin = PIN.match(line)
        if pin:
            name = canonicalize_name(pin.group(1))
            assert name not in packages, where
            packages[name] = (pin.group(2), [])
        else:
            assert HASH.match(line) and name is not None, f"neither a pin nor one of its hashes: {where}"
            packages[name][1].append(line.split("sha256:")[1].rstrip(" \\"))
    for name, (version, hashes) in packages.items():
        assert hashes, f"{path.name}: {name}=={version} has no hash"
    return packages


def pinned(requirements):
    """Return {name: version} of pyproject requirements, each of which must be pinned with ==."""
    pins = {}
    for text in requirements:
        requirement = Requirement(text)
        [specifier] = requirement.specifier
        assert specifier.operator == "==", f"{text}: pyproject pins every direct dependency exactly"
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


@pytest.fixture(scope="module")
def locks():
    return {extra: read_lock(path) for extra, path in LOCKS.items()}


def test_every_direct_dependency_is_locked_at_its_pinned_version(locks):
    runtime = pinned(PYPROJECT["project"]["dependencies"])
    test = pinned(PYPROJECT["project"]["optional-dependencies"]["test"])
    for extra, wanted in (("runtime", runtime), ("test", {**runtime, **test})):
        locked = {name: version for name, (version, _) in locks[extra].items()}
        for name, version in wanted.items():
            assert locked.get(name) == version, (
                f"{LOCKS[extra].name}: {name} is {locked.get(name)}, pyproject {version}"
            )
    # The runtime lock holds no test tool.
    assert not set(test) & set(locks["runtime"])


def test_the_service_runs_on_what_the_tests_ran_on(locks):
    """Every package of the runtime lock is in the test lock, at the same version with the same hashes."""
    for name, entry in locks["runtime"].items():
        assert locks["test"].get(name) == entry, name


def test_the_build_backend_is_locked_and_setuptools_is_not_needed(locks):
    [backend] = PYPROJECT["build-system"]["requires"]
    backend = Requirement(backend)
    for lock in locks.values():
        version, _ = lock[canonicalize_name(backend.name)]
        assert backend.specifier.contains(version), (backend, version)
        assert "setuptools" not in lock
        assert "pip" in lock  # pip upgrades itself from the lock, hash-checked like the rest


def test_setup_installs_from_the_locks_with_hashes_required():
    setup = (ROOT / "scripts" / "setup").read_text(encoding="utf-8")
    assert '--require-hashes -r "$lock"' in setup
    for path in LOCKS.values():
        assert str(path.relative_to(ROOT)) in setup
    assert "--no-deps --no-build-isolation -e ." in setup
