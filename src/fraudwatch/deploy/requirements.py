"""Pinned requirements for one Connect content item: only the distributions it needs.

The roots are fraudwatch's declared dependencies (every warehouse backend: the URL picks one at
run time) plus the distributions providing the modules the item imports (found by importing its
entry modules in a fresh interpreter, and from a short list of modules imported lazily). Their
requirements are followed recursively, markers evaluated for this platform. Each distribution is
pinned to its version in requirements.lock, or, when the lock lacks it, to the version installed
here (reported, so the lock can be brought up to date).
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

# Never pinned into a bundle: the installer itself, and fraudwatch (its source is in the bundle).
EXCLUDED = frozenset({"pip", "setuptools", "wheel", "fraudwatch"})


def normalize(name: str) -> str:
    """Return a distribution name in PEP 503 normal form.

    >>> normalize("Pydantic_Core"), normalize("snowflake.connector")
    ('pydantic-core', 'snowflake-connector')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Pins:
    """A pinned requirement set: name → version, and the names pinned from outside the lock."""

    versions: dict[str, str] = field(default_factory=dict)
    not_in_lock: set[str] = field(default_factory=set)

    def lines(self) -> list[str]:
        """Return `name==version` lines, sorted by name."""
        return [f"{name}=={version}" for name, version in sorted(self.versions.items())]


def read_lock(path: Path | None) -> dict[str, str]:
    """Return the `name==version` pins of a requirements lock file (empty if there is none)."""
    if path is None or not path.exists():
        return {}
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+).*", line)
        if match:
            pins[normalize(match[1])] = match[2]
    return pins


def traced_modules(modules: Iterable[str]) -> set[str]:
    """Return the top-level modules loaded when `modules` are imported in a fresh interpreter."""
    return set(_traced(tuple(sorted(modules))))


@functools.lru_cache(maxsize=16)
def _traced(modules: tuple[str, ...]) -> frozenset[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {sorted(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return frozenset(json.loads(done.stdout.strip().splitlines()[-1]))


def distributions_of(modules: Iterable[str]) -> set[str]:
    """Return the installed distributions that provide `modules` (the standard library: none)."""
    providers = metadata.packages_distributions()
    return {normalize(dist) for module in modules for dist in providers.get(module, [])}


def declared_requirements(project_root: Path | None) -> list[Requirement]:
    """Return fraudwatch's runtime dependencies: pyproject.toml's, else the installed metadata's."""
    texts: list[str]
    pyproject = project_root / "pyproject.toml" if project_root else None
    if pyproject is not None and pyproject.exists():
        import tomllib

        texts = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    else:
        texts = [r for r in metadata.requires("fraudwatch") or [] if "extra ==" not in r]
    return [Requirement(text) for text in texts]


def _wanted(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def closure(roots: Iterable[Requirement]) -> dict[str, str]:
    """Return every installed distribution `roots` need, recursively: name → installed version.

    Raises LookupError naming a needed distribution that is not installed here.
    """
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    queue = [(normalize(r.name), set(r.extras)) for r in roots]
    while queue:
        name, extras = queue.pop()
        if name in EXCLUDED or (name, frozenset(extras)) in seen:
            continue
        seen.add((name, frozenset(extras)))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise LookupError(f"{name} is needed but not installed in this environment") from None
        found[name] = dist.version
        for text in dist.requires or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if _wanted(requirement, extras):
                queue.append((normalize(requirement.name), set(requirement.extras)))
    return found


def pin(installed: dict[str, str], lock: dict[str, str]) -> Pins:
    """Return `installed` pinned to the lock's versions where the lock has them."""
    pins = Pins()
    for name, version in installed.items():
        pins.versions[name] = lock.get(name, version)
        if name not in lock:
            pins.not_in_lock.add(name)
    return pins


def item_requirements(
    entry_modules: Iterable[str],
    lazy_modules: Iterable[str],
    project_root: Path | None,
    lock: dict[str, str],
) -> Pins:
    """Return the pinned requirements of an item importing `entry_modules` (+ `lazy_modules`)."""
    modules = traced_modules(entry_modules) | set(lazy_modules)
    roots = declared_requirements(project_root)
    roots += [Requirement(dist) for dist in sorted(distributions_of(modules))]
    return pin(closure(roots), lock)
