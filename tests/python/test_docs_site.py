"""The dbt docs site in a real browser: generated for the test warehouse, served by `dbt docs
serve` on 127.0.0.1 the way `make docs` serves it, and read from the rendered page in headless
Chromium (Debian's package). Screenshots go to target/test-output/."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import wait_for_port
from conftest import PROJECT_DIR, BuiltWarehouse

from warehouse.dbt_runner import dbt_environment, dbt_executable

pytestmark = pytest.mark.slow

OUTPUT_DIR = PROJECT_DIR / "target" / "test-output"
MART = "model.warehouse.fct_orders"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def docs_site(documented_warehouse: BuiltWarehouse) -> Iterator[tuple[str, dict]]:
    """(URL of the served site, its manifest)."""
    built_warehouse = documented_warehouse
    port = _free_port()
    serve = ["docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser"]
    server = subprocess.Popen(
        [dbt_executable(), *serve],
        cwd=PROJECT_DIR,
        env=dbt_environment(PROJECT_DIR, built_warehouse.env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server, "dbt docs serve", seconds=60)
        manifest = json.loads((built_warehouse.target_dir / "manifest.json").read_text())
        yield f"http://127.0.0.1:{port}", manifest
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def page(tmp_path: Path):
    from browser import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, tmp_path / "chromium-profile")
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _marts(manifest: dict) -> dict[str, str]:
    """Name -> path of the project's mart models."""
    return {
        node["name"]: node["path"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == "warehouse"
        and node["path"].startswith("marts/")
    }


FOLDER = "li[a[contains(@class, 'menu-tree')][normalize-space(.)='{name}']]"


def _folder(page, name: str):
    """The sidebar entries (li) of the folders called `name`, anywhere."""
    return page.locator("xpath=//" + FOLDER.format(name=name))


def _subfolder(entry, name: str):
    """The entry of folder `name` directly inside the folder entry `entry`."""
    return entry.locator("xpath=./ul/" + FOLDER.format(name=name))


def _open(entry) -> None:
    entry.locator("xpath=./a").click()


def test_the_project_tab_lists_every_mart(docs_site, page):
    url, manifest = docs_site
    page.goto(f"{url}/#!/overview")
    page.get_by_text("warehouse analytics", exact=False).first.wait_for(timeout=30_000)
    # Projects > warehouse > models > marts, then each folder of marts (the Metrics and
    # Semantic Models sections have a "warehouse" folder too)
    projects = "xpath=//div[strong[normalize-space(.)='Projects']]/ul/"
    project = page.locator(projects + FOLDER.format(name="warehouse")).filter(visible=True).first
    _open(project)
    models = _subfolder(project, "models")
    _open(models)
    marts_folder = _subfolder(models, "marts")
    _open(marts_folder)
    marts = _marts(manifest)
    folders = {path.split("/")[1] for path in marts.values()}
    assert folders >= {"sales", "web", "observability"}
    for name in sorted(folders):
        _open(_subfolder(marts_folder, name))
    entries = marts_folder.locator("a.menu-node").filter(visible=True)
    listed = set(entries.evaluate_all("els => els.map(e => e.dataset.navUniqueId)"))
    assert len(marts) >= 15
    expected = {f"model.warehouse.{name}" for name in marts}
    assert expected <= listed, sorted(expected - listed)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "docs-site-marts.png"))


def test_a_mart_page_shows_its_description_and_columns(docs_site, page):
    url, manifest = docs_site
    node = manifest["nodes"][MART]
    page.goto(f"{url}/#!/model/{MART}")
    page.get_by_text("Description", exact=True).first.wait_for(timeout=30_000)
    text = re.sub(r"\s+", " ", page.inner_text("body"))
    # the first sentence of the model's description, as rendered (markdown aside)
    first_sentence = re.sub(r"\s+", " ", node["description"]).split(". ")[0]
    assert first_sentence and first_sentence in text
    # every contract column, with its type from the catalog
    for column in node["columns"]:
        assert re.search(rf"\b{re.escape(column)}\b", text), column
    assert "decimal" in text.lower()  # types come from the built table's catalog
    page.screenshot(path=str(OUTPUT_DIR / "docs-site-fct-orders.png"), full_page=True)


def test_the_lineage_graph_opens(docs_site, page):
    url, _ = docs_site
    page.goto(f"{url}/#!/model/{MART}")
    page.get_by_text("Description", exact=True).first.wait_for(timeout=30_000)
    page.locator("a[title='View Lineage Graph']").click()
    launcher = page.locator(".launcher")
    page.wait_for_function(
        "() => document.querySelector('.launcher').classList.contains('on')", timeout=30_000
    )
    canvas = page.locator("#cy canvas").first
    canvas.wait_for(state="visible", timeout=30_000)
    box = canvas.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200
    assert "on" in (launcher.get_attribute("class") or "")
    page.wait_for_timeout(1500)  # let the layout settle for the screenshot
    page.screenshot(path=str(OUTPUT_DIR / "docs-site-lineage.png"))
