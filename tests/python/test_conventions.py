"""The convention checkers catch what they are configured for: dbt-bouncer's layering and
documentation rules on a manifest with a violation, and sqlfluff's style rules on SQL that
breaks them (with the project's .sqlfluff)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_DIR

from warehouse.dbt_runner import dbt_environment, dbt_executable, venv_executable


def _sqlfluff(sql: str, tmp_path: Path) -> list[str]:
    """Rule codes sqlfluff reports for sql under the project's style (templating aside)."""
    path = tmp_path / "probe.sql"
    path.write_text(sql)
    options = ["--templater", "raw", "--format", "json", "--nofail"]
    options += ["--config", str(PROJECT_DIR / ".sqlfluff")]
    result = subprocess.run(
        [venv_executable("sqlfluff"), "lint", str(path), *options],
        capture_output=True,
        text=True,
        check=True,
    )
    (report,) = json.loads(result.stdout)
    return [violation["code"] for violation in report["violations"]]


def test_sqlfluff_accepts_our_style(tmp_path: Path):
    sql = (
        "with orders as (\n"
        "    select\n"
        "        order_key,\n"
        "        customer_key\n"
        "    from raw_orders\n"
        "),\n\n"
        "final as (\n"
        "    select\n"
        "        orders.order_key,\n"
        "        customers.customer_name\n"
        "    from orders\n"
        "    inner join customers on orders.customer_key = customers.customer_key\n"
        ")\n\n"
        "select * from final\n"
    )
    assert _sqlfluff(sql, tmp_path) == []


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("SELECT order_key FROM orders\n", "CP01"),  # upper-case keywords
        ("select\n    order_key\n    , customer_key\nfrom orders\n", "LT04"),  # leading comma
        ("select o.order_key from orders o\n", "AL01"),  # implicit table alias
        ("select a.x, b.y\nfrom a\njoin b on a.id = b.id\n", "AM05"),  # bare join
        ("select\n  order_key\nfrom orders\n", "LT02"),  # two-space indent
        (f"select {', '.join(f'column_{i}' for i in range(12))} from orders\n", "LT05"),
    ],
)
def test_sqlfluff_flags_what_our_style_forbids(sql: str, rule: str, tmp_path: Path):
    assert rule in _sqlfluff(sql, tmp_path)


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> Path:
    """The project's manifest, parsed with the lint target into a folder of its own."""
    target = tmp_path_factory.mktemp("parsed") / "target"
    subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--target", "lint"],
        cwd=PROJECT_DIR,
        env=dbt_environment(PROJECT_DIR, {"DBT_TARGET_PATH": str(target)}),
        check=True,
    )
    return target


@pytest.mark.slow
def test_dbt_bouncer_catches_a_mart_reading_a_source_and_an_undocumented_model(
    parsed: Path, tmp_path: Path
):
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text((parsed / "manifest.json").read_text())
    config = yaml.safe_load((PROJECT_DIR / "dbt-bouncer.yml").read_text())
    config["dbt_artifacts_dir"] = str(target)
    config_file = tmp_path / "dbt-bouncer.yml"
    config_file.write_text(yaml.safe_dump(config))

    def bouncer() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [venv_executable("dbt-bouncer"), "--config-file", str(config_file)],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
            check=False,
        )

    clean = bouncer()
    assert clean.returncode == 0, clean.stdout[-3000:]

    manifest_file = target / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    nodes = manifest["nodes"]
    nodes["model.warehouse.fct_orders"]["depends_on"]["nodes"].append("source.warehouse.erp.orders")
    nodes["model.warehouse.dim_parts"]["description"] = ""
    del nodes["model.warehouse.fct_inventory"]["meta"]["grain"]
    nodes["model.warehouse.fct_inventory"]["config"]["meta"].pop("grain", None)
    nodes["model.warehouse.rpt_customer_cohorts"]["access"] = "protected"
    manifest["macros"]["macro.warehouse.safe_parse"]["description"] = ""
    manifest_file.write_text(json.dumps(manifest))
    broken = bouncer()
    assert broken.returncode != 0
    output = " ".join(broken.stdout.split())
    assert "check_lineage_source_cannot_be_used" in output and "fct_orders" in output
    assert "check_model_description_populated" in output and "dim_parts" in output
    assert "check_model_has_meta_keys" in output and "fct_inventory" in output
    assert "check_exposure_based_on_non_public_models" in output
    assert "check_macro_description_populated" in output and "safe_parse" in output


@pytest.mark.slow
def test_every_grain_names_columns_of_its_model(parsed: Path):
    """meta.grain lists columns the model's YAML declares (a renamed column would leave the
    grain naming one that no longer exists)."""
    manifest = json.loads((parsed / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "warehouse"
    ]
    with_grain = [node for node in models if node["config"]["meta"].get("grain")]
    assert len(with_grain) >= 35
    for node in with_grain:
        undeclared = set(node["config"]["meta"]["grain"]) - set(node["columns"])
        assert not undeclared, (node["name"], sorted(undeclared))


@pytest.mark.slow
def test_unit_test_names_fit_postgres_identifiers(parsed: Path):
    """dbt names a unit test's relation after the test, and PostgreSQL refuses identifiers
    longer than 63 characters: a longer name fails only on the PostgreSQL build."""
    manifest = json.loads((parsed / "manifest.json").read_text())
    names = [test["name"] for test in manifest["unit_tests"].values()]
    assert len(names) >= 10
    assert not [name for name in names if len(name) > 63]


@pytest.mark.slow
def test_test_scoping_meta_names_columns_of_its_model(parsed: Path):
    """The meta keys that narrow a build's tests (`batch_column`, `keys_within_unique_key`,
    macros/quality/test_scope.sql) name declared columns: a misspelt one would quietly make
    the tests read whole tables again."""
    manifest = json.loads((parsed / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "warehouse"
    ]
    scoped = 0
    for node in models:
        meta = node["config"]["meta"]
        named = [meta["batch_column"]] if "batch_column" in meta else []
        for key in meta.get("keys_within_unique_key", []):
            named += [key] if isinstance(key, str) else key
        scoped += bool(named)
        undeclared = set(named) - set(node["columns"])
        assert not undeclared, (node["name"], sorted(undeclared))
    assert scoped >= 6
