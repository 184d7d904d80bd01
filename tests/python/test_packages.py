"""Tests for the offline dbt package installer (warehouse.packages), on throwaway git repos."""

from __future__ import annotations

import http.server
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from warehouse import packages
from warehouse.packages import PackageInstallError, install, install_from_mirror

MACRO = "{% macro fake_macro() %}select 1{% endmacro %}\n"


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git with a fixed identity and return its stdout."""
    result = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the user's git configuration and the real mirror out of the tests."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv(packages.MIRROR_ENV_VAR, str(tmp_path / "no-mirror-configured"))


def make_mirror(tmp_path: Path, *, bare: bool) -> tuple[Path, str]:
    """A mirror holding ``acme/fake-pkg`` tagged ``1.0.0``; returns (mirror, tagged commit)."""
    source = tmp_path / "source"
    (source / "macros").mkdir(parents=True)
    (source / "dbt_project.yml").write_text("name: 'fake_pkg'\nversion: '0.1.0'\n")
    (source / "macros" / "fake.sql").write_text(MACRO)
    git("init", "-q", "-b", "main", str(source))
    git("add", ".", cwd=source)
    git("commit", "-q", "-m", "fake package", cwd=source)
    git("tag", "-a", "-m", "release 1.0.0", "1.0.0", cwd=source)  # annotated: must be peeled
    (source / "macros" / "later.sql").write_text("-- after the tag\n")
    git("add", ".", cwd=source)
    git("commit", "-q", "-m", "after the release", cwd=source)
    commit = git("rev-parse", "1.0.0^{commit}", cwd=source)

    mirror = tmp_path / "mirror"
    repo = mirror / "acme" / "fake-pkg"
    repo.parent.mkdir(parents=True)
    if bare:
        git("clone", "-q", "--bare", str(source), str(repo))
    else:
        git("clone", "-q", str(source), str(repo))
    return mirror, commit


def make_project(tmp_path: Path, commit: str, version: str = "1.0.0") -> Path:
    """A project whose packages.yml and packages.lock.yml require acme/fake_pkg."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "packages.yml").write_text(
        f"packages:\n  - package: acme/fake_pkg\n    version: {version}\n"
    )
    (project / "packages.lock.yml").write_text(
        "packages:\n"
        "  - package: 'acme/fake_pkg'\n"
        f"    version: '{version}'\n"
        "    repository: 'acme/fake-pkg'\n"
        "    revision: '1.0.0'\n"
        f"    commit: '{commit}'\n"
    )
    return project


@pytest.fixture(params=["bare", "normal"])
def mirror(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    """The fake mirror, as a bare and as a normal repository."""
    return make_mirror(tmp_path, bare=request.param == "bare")


def test_install_writes_the_tagged_tree(
    mirror: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror_dir, commit = mirror
    project = make_project(tmp_path, commit)

    results = install_from_mirror(project, mirror_dir)

    installed = project / "dbt_packages" / "fake_pkg"
    assert (installed / "dbt_project.yml").is_file()
    assert (installed / "macros" / "fake.sql").read_text() == MACRO
    assert not (installed / "macros" / "later.sql").exists()  # tag, not branch head
    marker = json.loads((installed / ".warehouse-package.json").read_text())
    assert (marker["package"], marker["version"], marker["commit"]) == (
        "acme/fake_pkg",
        "1.0.0",
        commit,
    )
    assert [(r.name, r.commit, r.changed) for r in results] == [("fake_pkg", commit, True)]
    assert sorted(p.name for p in (project / "dbt_packages").iterdir()) == ["fake_pkg"]
    assert "acme/fake_pkg 1.0.0: installed from mirror" in capsys.readouterr().out


def test_second_run_is_a_no_op(
    mirror: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror_dir, commit = mirror
    project = make_project(tmp_path, commit)
    install_from_mirror(project, mirror_dir)
    macro = project / "dbt_packages" / "fake_pkg" / "macros" / "fake.sql"
    before = macro.stat()
    capsys.readouterr()

    start = time.monotonic()
    results = install_from_mirror(project, tmp_path / "mirror-gone")  # must not need the mirror
    elapsed = time.monotonic() - start

    assert [r.changed for r in results] == [False]
    after = macro.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert "acme/fake_pkg 1.0.0: up to date" in capsys.readouterr().out
    assert elapsed < 1.0


def test_replaces_an_existing_copy(mirror: tuple[Path, str], tmp_path: Path) -> None:
    mirror_dir, commit = mirror
    project = make_project(tmp_path, commit)
    stale = project / "dbt_packages" / "fake_pkg"
    stale.mkdir(parents=True)
    (stale / "dbt_project.yml").write_text("name: fake_pkg\n")
    (stale / "stale.sql").write_text("-- from dbt deps\n")

    install_from_mirror(project, mirror_dir)

    assert not (stale / "stale.sql").exists()
    assert (stale / "macros" / "fake.sql").is_file()
    assert sorted(p.name for p in (project / "dbt_packages").iterdir()) == ["fake_pkg"]


def test_removes_packages_dropped_from_the_lock(mirror: tuple[Path, str], tmp_path: Path) -> None:
    mirror_dir, commit = mirror
    project = make_project(tmp_path, commit)
    install_from_mirror(project, mirror_dir)
    (project / "packages.yml").write_text("packages: []\n")
    (project / "packages.lock.yml").write_text("packages: []\n")

    assert install_from_mirror(project, mirror_dir) == []
    assert not (project / "dbt_packages" / "fake_pkg").exists()


def test_commit_mismatch_is_an_error(mirror: tuple[Path, str], tmp_path: Path) -> None:
    mirror_dir, commit = mirror
    project = make_project(tmp_path, "0" * 40)

    with pytest.raises(PackageInstallError, match="commit mismatch") as error:
        install_from_mirror(project, mirror_dir)

    assert commit in str(error.value) and "0" * 40 in str(error.value)
    packages_dir = project / "dbt_packages"
    assert not packages_dir.exists() or list(packages_dir.iterdir()) == []  # nothing half-done


def test_missing_mirror_names_the_env_var(tmp_path: Path) -> None:
    project = make_project(tmp_path, "0" * 40)

    with pytest.raises(PackageInstallError) as error:
        install_from_mirror(project)  # mirror from $WAREHOUSE_PACKAGE_MIRROR (missing)

    message = str(error.value)
    assert "WAREHOUSE_PACKAGE_MIRROR" in message
    assert str(tmp_path / "no-mirror-configured") in message
    assert "<mirror>/<github-owner>/<repo-name>" in message
    assert "dbt deps" in message


def test_missing_repository_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty-mirror").mkdir()
    project = make_project(tmp_path, "0" * 40)

    with pytest.raises(PackageInstallError, match=r"no git repository at .*acme/fake-pkg"):
        install_from_mirror(project, tmp_path / "empty-mirror")


def test_missing_tag_is_an_error(tmp_path: Path) -> None:
    mirror_dir, commit = make_mirror(tmp_path, bare=True)
    project = make_project(tmp_path, commit)
    lock = project / "packages.lock.yml"
    lock.write_text(lock.read_text().replace("revision: '1.0.0'", "revision: '9.9.9'"))

    with pytest.raises(PackageInstallError, match=re.escape("revision '9.9.9' not found")):
        install_from_mirror(project, mirror_dir)


def test_missing_git_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mirror_dir, commit = make_mirror(tmp_path, bare=True)
    project = make_project(tmp_path, commit)
    monkeypatch.setattr(packages.shutil, "which", lambda name: None)

    with pytest.raises(PackageInstallError, match="git is not installed"):
        install_from_mirror(project, mirror_dir)


def test_packages_yml_must_match_the_lock(tmp_path: Path) -> None:
    mirror_dir, commit = make_mirror(tmp_path, bare=True)
    project = make_project(tmp_path, commit)
    (project / "packages.yml").write_text(
        "packages:\n  - package: acme/fake_pkg\n    version: 1.0.1\n"
    )

    with pytest.raises(
        PackageInstallError, match=re.escape("version '1.0.1' but packages.lock.yml")
    ):
        install_from_mirror(project, mirror_dir)


def test_auto_without_mirror_or_hub_names_both_options(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project = make_project(tmp_path, "0" * 40)
    monkeypatch.setattr(packages, "hub_reachable", lambda timeout=3.0: False)

    with pytest.raises(PackageInstallError) as error:
        install(project, mode="auto")

    message = str(error.value)
    assert "WAREHOUSE_PACKAGE_MIRROR" in message
    assert "1. set WAREHOUSE_PACKAGE_MIRROR to a mirror directory" in message
    assert "2. get internet access so that 'dbt deps' can reach dbt hub" in message


def test_auto_uses_the_mirror_when_hub_is_unreachable(
    monkeypatch: pytest.MonkeyPatch, mirror: tuple[Path, str], tmp_path: Path
) -> None:
    mirror_dir, commit = mirror
    project = make_project(tmp_path, commit)
    monkeypatch.setenv(packages.MIRROR_ENV_VAR, str(mirror_dir))
    monkeypatch.setattr(packages, "hub_reachable", lambda timeout=3.0: False)

    results = install(project, mode="auto")

    assert [(r.source, r.changed) for r in results] == [("mirror", True)]
    assert (project / "dbt_packages" / "fake_pkg" / "macros" / "fake.sql").is_file()


def test_auto_prefers_hub_when_it_answers(
    monkeypatch: pytest.MonkeyPatch, mirror: tuple[Path, str], tmp_path: Path
) -> None:
    mirror_dir, commit = mirror
    project = make_project(tmp_path, commit)
    monkeypatch.setenv(packages.MIRROR_ENV_VAR, str(mirror_dir))
    calls: list[Path] = []
    monkeypatch.setattr(packages, "hub_reachable", lambda timeout=3.0: True)
    monkeypatch.setattr(
        packages, "install_from_hub", lambda project_dir, echo=print: calls.append(project_dir)
    )

    install(project, mode="auto")

    assert calls == [project]
    assert not (project / "dbt_packages" / "fake_pkg").exists()


def test_auto_falls_back_to_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    project = make_project(tmp_path, "0" * 40)
    calls: list[Path] = []
    monkeypatch.setattr(packages, "hub_reachable", lambda timeout=3.0: True)
    monkeypatch.setattr(
        packages, "install_from_hub", lambda project_dir, echo=print: calls.append(project_dir)
    )

    install(project, mode="auto")

    assert calls == [project]


@pytest.fixture
def http_404_url() -> Iterator[str]:
    """URL of a local HTTP server that answers every request with 404."""

    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_error(404)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/index.json"
    finally:
        server.shutdown()
        server.server_close()


def test_hub_reachable_counts_any_http_answer(
    monkeypatch: pytest.MonkeyPatch, http_404_url: str
) -> None:
    monkeypatch.setattr(packages, "HUB_INDEX_URL", http_404_url)
    assert packages.hub_reachable(timeout=2.0) is True


def test_hub_unreachable_is_quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packages, "HUB_INDEX_URL", "https://127.0.0.1:1/api/v1/index.json")
    start = time.monotonic()
    assert packages.hub_reachable(timeout=2.0) is False
    assert time.monotonic() - start < 2.5


def test_hub_check_does_not_wait_for_slow_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_dns(*args: object, **kwargs: object) -> list[object]:
        time.sleep(3)
        raise socket.gaierror("timed out")

    monkeypatch.setattr(socket, "getaddrinfo", slow_dns)
    start = time.monotonic()
    assert packages.hub_reachable(timeout=0.3) is False
    assert time.monotonic() - start < 1.5
