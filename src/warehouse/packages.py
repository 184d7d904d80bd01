"""Install the project's dbt packages, from dbt hub or from a local mirror of git repositories.

``packages.yml`` lists hub packages, for ``dbt deps`` on machines with internet access.
``packages.lock.yml`` (our own file, not dbt's ``package-lock.yml``) pins, for each of them, the
GitHub repository that holds it, the git tag and the commit the tag points to. With it, the
packages can be installed offline from a mirror of those repositories:

    $WAREHOUSE_PACKAGE_MIRROR/<github-owner>/<repo-name>    (bare or normal git repository)

The mirror installer extracts the locked commit with ``git archive``, which produces the same
files as the GitHub tarball dbt hub downloads (``export-ignore`` attributes are honoured in
both). It does not resolve dependencies: every package, including the dependencies of other
packages, must be listed in the lock file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

MIRROR_ENV_VAR = "WAREHOUSE_PACKAGE_MIRROR"
DEFAULT_MIRROR = Path("~/.cache/warehouse/package-mirror")
HUB_INDEX_URL = "https://hub.getdbt.com/api/v1/index.json"
LOCK_FILE = "packages.lock.yml"
PACKAGES_FILE = "packages.yml"
PACKAGES_DIR = "dbt_packages"
MARKER_FILE = ".warehouse-package.json"
MARKER_FORMAT = 1

Mode = Literal["auto", "hub", "mirror"]

_LOCK_FIELDS = ("package", "version", "repository", "revision", "commit")
_HUB_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_DBT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

MIRROR_LAYOUT_HELP = (
    f"The mirror holds one git repository (bare or normal, symlinks allowed) per locked "
    f"package at <mirror>/<github-owner>/<repo-name>, e.g. <mirror>/dbt-labs/dbt-utils, with "
    f"the tags listed in {LOCK_FILE}."
)


class PackageInstallError(RuntimeError):
    """A dbt package could not be installed; the message says what to fix."""


@dataclass(frozen=True)
class LockedPackage:
    """One entry of ``packages.lock.yml``."""

    package: str
    """Hub name, as in ``packages.yml`` (``dbt-labs/dbt_utils``)."""
    version: str
    """Exact hub version (``1.4.1``)."""
    repository: str
    """GitHub repository holding the package (``dbt-labs/dbt-utils``)."""
    revision: str
    """Git tag (or other revision) of the version in that repository (``1.4.1``)."""
    commit: str
    """Full sha of the commit ``revision`` points to, checked before installing."""

    @property
    def short(self) -> str:
        """``package version``, for messages."""
        return f"{self.package} {self.version}"


@dataclass(frozen=True)
class InstalledPackage:
    """Outcome of installing one locked package."""

    package: str
    """Hub name (``dbt-labs/dbt_utils``)."""
    version: str
    """Locked version."""
    source: Literal["mirror", "hub"]
    """Where it came from."""
    changed: bool
    """False when the package was already installed at the locked commit (nothing done)."""
    name: str | None = None
    """dbt project name, i.e. the directory under ``dbt_packages/``; None for hub installs."""
    commit: str | None = None
    """Installed commit; None for hub installs (``dbt deps`` does not report it)."""


# --------------------------------------------------------------------------------------------
# Lock file


def _require_str(entry: dict[str, Any], field: str, where: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise PackageInstallError(
            f"{where}: field '{field}' must be a non-empty quoted string, got {value!r}"
        )
    return value.strip()


def load_lock(project_dir: Path) -> list[LockedPackage]:
    """Read and validate ``packages.lock.yml`` of ``project_dir`` (empty list if absent).

    Raises PackageInstallError when the file is malformed.
    """
    path = project_dir / LOCK_FILE
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PackageInstallError(f"{path} is not valid YAML: {exc}") from exc
    if data is None:
        return []
    entries = (data.get("packages") or []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PackageInstallError(f"{path}: expected a mapping with a 'packages:' list")
    locked: list[LockedPackage] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"{path}, package #{index}"
        if not isinstance(entry, dict):
            raise PackageInstallError(f"{where}: expected a mapping with {', '.join(_LOCK_FIELDS)}")
        unknown = sorted(set(entry) - set(_LOCK_FIELDS))
        if unknown:
            raise PackageInstallError(f"{where}: unknown field(s) {', '.join(unknown)}")
        item = LockedPackage(*(_require_str(entry, field, where) for field in _LOCK_FIELDS))
        if not _HUB_NAME.match(item.package):
            raise PackageInstallError(f"{where}: package must look like owner/name")
        if not _GITHUB_REPO.match(item.repository) or ".." in item.repository:
            raise PackageInstallError(f"{where}: repository must look like github-owner/repo-name")
        if not _COMMIT.match(item.commit):
            raise PackageInstallError(f"{where}: commit must be a full 40-character lowercase sha")
        if item.package in seen:
            raise PackageInstallError(f"{where}: {item.package} is listed twice")
        seen.add(item.package)
        locked.append(item)
    return locked


def _hub_requirements(project_dir: Path) -> dict[str, Any]:
    """Hub packages of ``packages.yml`` as ``{hub name: version}``."""
    path = project_dir / PACKAGES_FILE
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PackageInstallError(f"{path} is not valid YAML: {exc}") from exc
    entries = (data.get("packages") or []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PackageInstallError(f"{path}: expected a mapping with a 'packages:' list")
    requirements: dict[str, Any] = {}
    for entry in entries:
        if not isinstance(entry, dict) or "package" not in entry:
            raise PackageInstallError(
                f"{path}: only hub packages ('- package: owner/name') can be installed from "
                f"the mirror, got {entry!r}"
            )
        requirements[str(entry["package"])] = entry.get("version")
    return requirements


def check_lock_matches_packages(project_dir: Path, locked: list[LockedPackage]) -> None:
    """Fail unless ``packages.yml`` pins exactly the hub packages and versions of the lock."""
    required = _hub_requirements(project_dir)
    by_name = {item.package: item for item in locked}
    fix = f"update {PACKAGES_FILE} and {LOCK_FILE} together"
    for package, version in required.items():
        item = by_name.get(package)
        if item is None:
            raise PackageInstallError(
                f"{package} is in {PACKAGES_FILE} but not in {LOCK_FILE}: add it to the lock "
                f"(see the comment at the top of {LOCK_FILE})"
            )
        if isinstance(version, int | float):
            raise PackageInstallError(
                f"{PACKAGES_FILE}: YAML reads the version of {package} as the number {version!r}; "
                f'quote it: version: "{item.version}"'
            )
        if not isinstance(version, str) or version.strip() != item.version:
            raise PackageInstallError(
                f"{PACKAGES_FILE} asks for {package} version {version!r} but {LOCK_FILE} locks "
                f"{item.version!r}: pin the exact locked version in {PACKAGES_FILE}; {fix}"
            )
    # Entries only in the lock are allowed: they are dependencies of other packages.


# --------------------------------------------------------------------------------------------
# Mirror


def mirror_path(mirror: Path | None = None) -> Path:
    """The mirror directory: ``mirror``, else ``$WAREHOUSE_PACKAGE_MIRROR``, else the default."""
    if mirror is None:
        configured = os.environ.get(MIRROR_ENV_VAR, "").strip()
        mirror = Path(configured) if configured else DEFAULT_MIRROR
    return mirror.expanduser()


def _git_exe() -> str:
    git = shutil.which("git")
    if git is None:
        raise PackageInstallError(
            "git is not installed (no 'git' on PATH); it is needed to install dbt packages from "
            "the mirror. Install git (e.g. 'apt-get install git'), or use --mode hub to run "
            "'dbt deps' with internet access."
        )
    return git


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        env.pop(var, None)
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_git_exe(), f"--git-dir={git_dir}", *args],
        capture_output=True,
        text=True,
        env=_git_env(),
        check=False,
    )


def _repo_git_dir(mirror: Path, item: LockedPackage) -> Path | None:
    """Git directory of the mirror repository holding ``item``, or None if there is none."""
    owner, name = item.repository.split("/")
    for candidate in (mirror / owner / name, mirror / owner / f"{name}.git"):
        if not candidate.is_dir():
            continue
        dot_git = candidate / ".git"
        git_dir = dot_git if dot_git.exists() else candidate
        if _git(git_dir, "rev-parse", "--git-dir").returncode == 0:
            return git_dir
    return None


def _resolve(git_dir: Path, revision: str) -> str | None:
    result = _git(
        git_dir, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"
    )
    return result.stdout.strip() if result.returncode == 0 else None


def _check_mirror_dir(mirror: Path) -> None:
    if not mirror.is_dir():
        raise PackageInstallError(
            f"dbt package mirror not found: {mirror} does not exist. Set {MIRROR_ENV_VAR} to a "
            f"mirror directory (default {DEFAULT_MIRROR}). {MIRROR_LAYOUT_HELP} Alternatively, "
            f"with internet access, run 'dbt deps' (--mode hub) to install from dbt hub."
        )


def _locate(mirror: Path, item: LockedPackage) -> Path:
    """Git directory for ``item``; raises when the repository or the revision is missing."""
    git_dir = _repo_git_dir(mirror, item)
    owner, name = item.repository.split("/")
    if git_dir is None:
        raise PackageInstallError(
            f"{item.short}: no git repository at {mirror / owner / name} in the package "
            f"mirror. Add it, e.g. 'git clone --mirror https://github.com/{item.repository} "
            f"{mirror / owner / name}' on a machine with internet access. {MIRROR_LAYOUT_HELP}"
        )
    return git_dir


def _resolve_locked(git_dir: Path, item: LockedPackage) -> str:
    """Commit of ``item.revision`` in ``git_dir``, checked against the lock."""
    commit = _resolve(git_dir, item.revision)
    if commit is None:
        raise PackageInstallError(
            f"{item.short}: revision {item.revision!r} not found in mirror repository "
            f"{git_dir}. Update the mirror: 'git --git-dir {git_dir} fetch --tags "
            f"https://github.com/{item.repository}' (needs internet access), or fix "
            f"'revision' in {LOCK_FILE}."
        )
    if commit != item.commit:
        raise PackageInstallError(
            f"{item.short}: commit mismatch: {item.revision!r} in mirror repository {git_dir} "
            f"is commit {commit}, but {LOCK_FILE} locks commit {item.commit}. The mirror is "
            f"not a faithful copy of github.com/{item.repository} or the tag was moved: "
            f"re-create the mirror repository, or, if the new commit has been reviewed, "
            f"update 'commit' in {LOCK_FILE}."
        )
    return commit


def mirror_problems(locked: Iterable[LockedPackage], mirror: Path | None = None) -> list[str]:
    """Why the mirror cannot supply every locked package (empty list: it can), one line each."""
    directory = mirror_path(mirror)
    if not directory.is_dir():
        return [f"mirror directory {directory} does not exist"]
    if shutil.which("git") is None:
        return ["git is not installed (no 'git' on PATH)"]
    problems: list[str] = []
    for item in locked:
        git_dir = _repo_git_dir(directory, item)
        if git_dir is None:
            problems.append(f"{item.short}: no git repository at {directory / item.repository}")
        elif _resolve(git_dir, item.revision) is None:
            problems.append(f"{item.short}: revision {item.revision!r} not found in {git_dir}")
    return problems


# --------------------------------------------------------------------------------------------
# Installed packages


def _read_marker(directory: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((directory / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _installed_markers(packages_dir: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Packages installed by this module: ``{hub name: (directory, marker)}``."""
    found: dict[str, tuple[Path, dict[str, Any]]] = {}
    if not packages_dir.is_dir():
        return found
    for directory in sorted(packages_dir.iterdir()):
        if directory.name.startswith(".") or not directory.is_dir():
            continue
        marker = _read_marker(directory)
        if marker is not None and isinstance(marker.get("package"), str):
            found[marker["package"]] = (directory, marker)
    return found


def _is_current(directory: Path, marker: dict[str, Any], item: LockedPackage) -> bool:
    return (
        marker.get("format") == MARKER_FORMAT
        and marker.get("version") == item.version
        and marker.get("commit") == item.commit
        and marker.get("name") == directory.name
        and (directory / "dbt_project.yml").is_file()
    )


def _package_name(root: Path, item: LockedPackage) -> str:
    """dbt project name of the extracted package at ``root``."""
    project_file = root / "dbt_project.yml"
    try:
        project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PackageInstallError(
            f"{item.short}: cannot read dbt_project.yml at the root of {item.repository} "
            f"{item.revision}: {exc}. Is 'repository' in {LOCK_FILE} right?"
        ) from exc
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not _DBT_NAME.match(name):
        raise PackageInstallError(
            f"{item.short}: dbt_project.yml of {item.repository} {item.revision} has no valid "
            f"'name:' (got {name!r})"
        )
    return name


def _check_dependencies(root: Path, item: LockedPackage, locked: list[LockedPackage]) -> None:
    """Fail if the package depends on a hub package that the lock does not list."""
    path = root / PACKAGES_FILE
    if not path.is_file():
        return
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return
    entries = data.get("packages") if isinstance(data, dict) else None
    listed = {entry.package for entry in locked}
    missing = sorted(
        str(entry["package"])
        for entry in entries or []
        if isinstance(entry, dict) and "package" in entry and entry["package"] not in listed
    )
    if missing:
        raise PackageInstallError(
            f"{item.short} depends on {', '.join(missing)}, which {LOCK_FILE} does not list: "
            f"the mirror installer does not resolve dependencies, add them to {LOCK_FILE} "
            f"(and to the mirror)."
        )


def _extract(git_dir: Path, commit: str, destination: Path) -> None:
    """Write the tree of ``commit`` into the existing directory ``destination``.

    ``git archive`` streams a tar that is unpacked with the ``data`` filter (no absolute paths,
    no links leaving ``destination``), so no ``tar`` executable is needed.
    """
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [_git_exe(), f"--git-dir={git_dir}", "archive", "--format=tar", commit],
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_git_env(),
        )
        error: Exception | None = None
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                archive.extractall(destination, filter="data")
        except (tarfile.TarError, OSError) as exc:
            error = exc
            process.kill()
        finally:
            if process.stdout is not None:
                process.stdout.close()
            returncode = process.wait()
        stderr.seek(0)
        message = stderr.read().decode(errors="replace").strip()
    if returncode != 0 or error is not None:
        raise PackageInstallError(
            f"extracting commit {commit} from {git_dir} failed: {message or error}"
        ) from error


def _replace_directory(source: Path, target: Path, scratch: Path) -> None:
    """Rename ``source`` to ``target``, moving an existing ``target`` into ``scratch`` first.

    Both are renames within ``dbt_packages/``, so ``target`` is never seen half-written.
    """
    old = scratch / "replaced"
    had_old = target.exists() or target.is_symlink()
    if had_old:
        target.rename(old)
    try:
        source.rename(target)
    except OSError:
        if had_old:
            old.rename(target)
        raise


def _install_one(
    mirror: Path, item: LockedPackage, locked: list[LockedPackage], packages_dir: Path
) -> InstalledPackage:
    git_dir = _locate(mirror, item)
    commit = _resolve_locked(git_dir, item)
    packages_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".warehouse-install-", dir=packages_dir))
    try:
        root = scratch / "package"
        root.mkdir()
        _extract(git_dir, commit, root)
        name = _package_name(root, item)
        _check_dependencies(root, item, locked)
        marker = {
            "format": MARKER_FORMAT,
            "package": item.package,
            "version": item.version,
            "name": name,
            "repository": item.repository,
            "revision": item.revision,
            "commit": commit,
        }
        (root / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        _replace_directory(root, packages_dir / name, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return InstalledPackage(item.package, item.version, "mirror", True, name, commit)


def _remove_stale(
    packages_dir: Path, locked: list[LockedPackage], echo: Callable[[str], None]
) -> None:
    """Delete packages this module installed earlier that the lock no longer lists."""
    listed = {item.package for item in locked}
    for package, (directory, marker) in _installed_markers(packages_dir).items():
        if package not in listed:
            shutil.rmtree(directory)
            echo(f"{package} {marker.get('version')}: removed (no longer in {LOCK_FILE})")


def _current(
    markers: dict[str, tuple[Path, dict[str, Any]]], item: LockedPackage
) -> InstalledPackage | None:
    """``item`` as already installed at its locked commit, or None if it needs installing."""
    directory, marker = markers.get(item.package, (None, None))
    if directory is None or marker is None or not _is_current(directory, marker, item):
        return None
    return InstalledPackage(
        item.package, item.version, "mirror", False, directory.name, item.commit
    )


def all_installed(project_dir: Path, locked: list[LockedPackage]) -> bool:
    """Whether every locked package is installed at its locked commit."""
    markers = _installed_markers(Path(project_dir) / PACKAGES_DIR)
    return all(_current(markers, item) is not None for item in locked)


def _report(result: InstalledPackage, packages_dir: Path) -> str:
    if result.source == "hub":
        return f"{result.package} {result.version}: installed by 'dbt deps' from dbt hub"
    where = packages_dir / (result.name or "")
    status = "installed from mirror" if result.changed else "up to date"
    return f"{result.package} {result.version}: {status} ({(result.commit or '')[:12]}) in {where}"


def install_from_mirror(
    project_dir: Path,
    mirror: Path | None = None,
    *,
    echo: Callable[[str], None] = print,
) -> list[InstalledPackage]:
    """Install the packages of ``packages.lock.yml`` from the git mirror into ``dbt_packages/``.

    Each package is extracted at its locked commit into a temporary directory inside
    ``dbt_packages/`` and renamed to ``dbt_packages/<dbt project name>``, replacing an older
    copy. A marker file records the installed commit, so packages already installed at the
    locked commit are skipped (a run with nothing to do reads no git repository). Packages
    installed earlier by this function that the lock no longer lists are removed. Prints one
    line per package through ``echo``.

    Raises PackageInstallError (message says what to fix) when the mirror, a repository or a
    tag is missing, a tag does not point to the locked commit, or git is not installed.
    """
    project_dir = Path(project_dir)
    locked = load_lock(project_dir)
    check_lock_matches_packages(project_dir, locked)
    packages_dir = project_dir / PACKAGES_DIR
    directory = mirror_path(mirror)
    markers = _installed_markers(packages_dir)
    if any(_current(markers, item) is None for item in locked):
        _check_mirror_dir(directory)
        _git_exe()
    _remove_stale(packages_dir, locked, echo)
    results: list[InstalledPackage] = []
    for item in locked:
        result = _current(markers, item) or _install_one(directory, item, locked, packages_dir)
        echo(_report(result, packages_dir))
        results.append(result)
    return results


# --------------------------------------------------------------------------------------------
# Hub


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether dbt hub answers over HTTPS within ``timeout`` seconds.

    Any HTTP answer (even an error status) counts as reachable; DNS failure, refused
    connection, TLS failure or timeout count as unreachable. Name resolution cannot be
    interrupted, so the check runs in a daemon thread that is abandoned after ``timeout``.
    """
    outcome: list[bool] = []

    def probe() -> None:
        request = urllib.request.Request(HUB_INDEX_URL, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                outcome.append(True)
        except urllib.error.HTTPError:
            outcome.append(True)
        except (OSError, ValueError):
            outcome.append(False)

    thread = threading.Thread(target=probe, name="hub-reachable", daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(outcome and outcome[0])


def _dbt_exe() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        raise PackageInstallError("dbt is not installed: 'pip install -e .' in the project venv")
    return found


def install_from_hub(
    project_dir: Path, *, echo: Callable[[str], None] = print
) -> list[InstalledPackage]:
    """Run ``dbt deps`` in ``project_dir`` (needs access to dbt hub and GitHub)."""
    project_dir = Path(project_dir)
    locked = load_lock(project_dir)
    check_lock_matches_packages(project_dir, locked)
    result = subprocess.run([_dbt_exe(), "deps"], cwd=project_dir, check=False)
    if result.returncode != 0:
        raise PackageInstallError(
            f"'dbt deps' failed with exit code {result.returncode} (output above). Without "
            f"internet access, install from the mirror instead: set {MIRROR_ENV_VAR} and use "
            f"--mode mirror."
        )
    results = [InstalledPackage(item.package, item.version, "hub", True) for item in locked]
    for installed in results:
        echo(_report(installed, project_dir / PACKAGES_DIR))
    return results


# --------------------------------------------------------------------------------------------
# Entry point


def install(
    project_dir: Path,
    mode: Mode = "auto",
    mirror: Path | None = None,
    *,
    echo: Callable[[str], None] = print,
) -> list[InstalledPackage]:
    """Install the project's dbt packages.

    ``mode="hub"`` runs ``dbt deps``; ``mode="mirror"`` calls :func:`install_from_mirror`.
    ``mode="auto"`` does nothing if every locked package is already installed at its locked
    commit; otherwise it runs ``dbt deps`` when dbt hub answers, else installs from the mirror
    when it holds every locked package at its tag, else raises PackageInstallError naming
    both ways out.
    """
    project_dir = Path(project_dir)
    if mode == "hub":
        return install_from_hub(project_dir, echo=echo)
    if mode == "mirror":
        return install_from_mirror(project_dir, mirror, echo=echo)
    if mode != "auto":
        raise ValueError(f"mode must be 'auto', 'hub' or 'mirror', not {mode!r}")

    locked = load_lock(project_dir)
    check_lock_matches_packages(project_dir, locked)
    if all_installed(project_dir, locked):
        return install_from_mirror(project_dir, mirror, echo=echo)
    if hub_reachable():
        echo("dbt hub answers: installing with 'dbt deps'")
        return install_from_hub(project_dir, echo=echo)
    problems = mirror_problems(locked, mirror)
    if not problems:
        echo(f"dbt hub unreachable: installing from the package mirror {mirror_path(mirror)}")
        return install_from_mirror(project_dir, mirror, echo=echo)
    details = "\n".join(f"  - {problem}" for problem in problems)
    raise PackageInstallError(
        "cannot install dbt packages: dbt hub (hub.getdbt.com) is unreachable and the package "
        f"mirror {mirror_path(mirror)} cannot supply them:\n{details}\n"
        "Fix one of:\n"
        f"  1. set {MIRROR_ENV_VAR} to a mirror directory holding every package of {LOCK_FILE} "
        f"at <mirror>/<github-owner>/<repo-name> (a bare or normal git repository with the "
        f"locked tags), then rerun;\n"
        "  2. get internet access so that 'dbt deps' can reach dbt hub, then rerun "
        "(or use --mode hub)."
    )
