"""Checksums of a generated history, to show that two generations hold the same records:
`python scripts/sim_checksums.py data/sim`.

Per file: the SHA-256 of its bytes, and of its content (schema, then every row in sorted
order), which does not depend on how DuckDB's threads ordered records that arrive at the same
instant (the erp files order by arrival only, so their bytes differ between two runs)."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import duckdb


def content_sha256(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    digest = hashlib.sha256()
    for name, kind, *_ in con.execute(f"describe select * from read_parquet('{path}')").fetchall():
        digest.update(f"{name} {kind}\n".encode())
    rows = con.execute(f"select * from read_parquet('{path}') order by all").fetchall()
    for row in rows:
        digest.update((repr(row) + "\n").encode())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sim_dir", type=Path)
    sim_dir = parser.parse_args().sim_dir
    con = duckdb.connect()
    for path in sorted(sim_dir.rglob("*.parquet")):
        raw = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.relative_to(sim_dir)}  bytes {raw[:16]}  content {content_sha256(con, path)}")


if __name__ == "__main__":
    main()
