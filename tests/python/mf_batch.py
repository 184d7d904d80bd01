"""Run a batch of MetricFlow queries in one process and print their results as JSON.

`mf query` starts dbt and MetricFlow for every query (seconds each) and reads the semantic
manifest from `<project>/target/` only; the metric tests ask dozens of questions of a test
warehouse whose artifacts live elsewhere. This script builds the same engine as the `mf` CLI
(MetricFlow's engine over dbt's adapter for the profile's target, chosen by DBT_TARGET) from
a given semantic_manifest.json, then answers every request read from stdin:

    [{"metrics": [...], "group_by": [...], "where": [...]}, {"saved_query": "name"}, ...]

and prints one {"columns": [...], "rows": [[...]], "sql": "...", "seconds": s} per request.
Values are printed as text (decimals and dates exactly as the engine returned them).
bench/metrics.py times queries with the same engine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from dbt.adapters.factory import get_adapter_by_type
from dbt_metricflow.cli.dbt_connectors.adapter_backed_client import AdapterBackedSqlClient
from dbt_metricflow.cli.dbt_connectors.dbt_config_accessor import dbtProjectMetadata
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup


def sql_client(project_dir: Path) -> AdapterBackedSqlClient:
    """dbt's adapter for the profile's target (DBT_TARGET), as MetricFlow's SQL client."""
    metadata = dbtProjectMetadata.load_from_paths(
        profiles_path=project_dir, project_path=project_dir
    )
    return AdapterBackedSqlClient(get_adapter_by_type(metadata.profile.credentials.type))


def engine(client: AdapterBackedSqlClient, semantic_manifest: Path) -> MetricFlowEngine:
    manifest = parse_manifest_from_dbt_generated_manifest(
        manifest_json_string=semantic_manifest.read_text()
    )
    return MetricFlowEngine(
        semantic_manifest_lookup=SemanticManifestLookup(manifest), sql_client=client
    )


def answer(mf: MetricFlowEngine, request: dict[str, Any]) -> dict[str, Any]:
    if "saved_query" in request:
        mf_request = MetricFlowQueryRequest.create(saved_query_name=request["saved_query"])
    else:
        mf_request = MetricFlowQueryRequest.create(
            metric_names=request["metrics"],
            group_by_names=request.get("group_by", []),
            where_constraints=request.get("where"),
        )
    started = time.perf_counter()
    result = mf.query(mf_request)
    seconds = time.perf_counter() - started
    table = result.result_df
    assert table is not None
    return {
        "columns": list(table.column_names),
        "rows": [[None if v is None else str(v) for v in row] for row in table.rows],
        "sql": result.sql,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, required=True)
    parser.add_argument("--semantic-manifest", type=Path, required=True)
    args = parser.parse_args()
    mf = engine(sql_client(args.project_dir), args.semantic_manifest)
    requests = json.load(sys.stdin)
    json.dump([answer(mf, request) for request in requests], sys.stdout)


if __name__ == "__main__":
    main()
