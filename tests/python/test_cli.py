"""The `warehouse` command line: help on every command, clear errors."""

from __future__ import annotations

import pytest

from warehouse.cli import build_parser, main

COMMANDS = [
    "generate",
    "land",
    "load",
    "status",
    "demo",
    "query",
    "deps",
    "report",
    "monitor",
    "sla",
    "as-of",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: warehouse " + command in capsys.readouterr().out


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(command in out for command in COMMANDS)


def test_a_bad_date_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["land", "--through", "1995-02-30"])
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_a_rate_outside_0_1_is_rejected(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "--late-rate", "2"])
    assert "must be in [0, 1)" in capsys.readouterr().err


def test_runtime_errors_become_a_message_and_exit_1(tmp_path, capsys):
    code = main(
        [
            "land",
            "--next",
            "--sim-dir",
            str(tmp_path / "no-sim"),
            "--landing-dir",
            str(tmp_path / "landing"),
        ]
    )
    assert code == 1
    assert "warehouse land: error: no generated history" in capsys.readouterr().err


def test_an_hourly_cutoff_off_the_hour_is_refused_before_anything_is_read(tmp_path, capsys):
    code = main(["land", "--until", "1995-06-15T13:30", "--sim-dir", str(tmp_path / "no-sim")])
    assert code == 1
    assert "not on the hour: batches are cut at whole hours (e.g. 1995-06-15T13:00" in (
        capsys.readouterr().err
    )


def test_query_prints_a_result_table(tmp_path, capsys):
    import duckdb

    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts; create table marts.t as select 42 as answer")
    assert (
        main(["query", "select answer * 2 as doubled from marts.t", "--database", str(database)])
        == 0
    )
    out = capsys.readouterr().out
    assert "doubled" in out and "84" in out


def test_query_without_a_warehouse_says_to_build_it(tmp_path, capsys):
    assert main(["query", "select 1", "--database", str(tmp_path / "none.duckdb")]) == 1
    assert "run `make build` first" in capsys.readouterr().err


def test_demo_builds_from_the_landing_zone_and_file_it_is_given(tmp_path, monkeypatch):
    """`warehouse demo --landing-dir X` must build from X into the DuckDB file it was given
    (dbt read data/landing, whatever the flag said, and DuckDB could not create a file in a
    folder that did not exist yet)."""
    from warehouse import demo

    calls = []
    monkeypatch.setattr(demo, "generate", lambda *args, **kwargs: None)
    monkeypatch.setattr(demo, "land", lambda *args, **kwargs: None)
    monkeypatch.setattr(demo, "watermark", lambda landing_dir: None)
    monkeypatch.setattr(demo, "run_dbt", lambda args, env=None: calls.append((args, env)))
    landing, database = tmp_path / "elsewhere" / "landing", tmp_path / "new" / "wh.duckdb"
    demo.build_demo(
        tmp_path / "sim", landing, database, scale=0.01, seed=1, progress=lambda _: None
    )
    assert calls and all(
        env == {"WAREHOUSE_LANDING_DIR": str(landing), "WAREHOUSE_DUCKDB_PATH": str(database)}
        for _, env in calls
    ), calls
    assert database.parent.is_dir()


def test_the_project_is_found_from_the_current_directory(tmp_path, monkeypatch):
    """A second checkout sharing the virtualenv builds its own project, not the one the
    package was installed from: the project is the nearest dbt_project.yml upwards."""
    from warehouse.dbt_runner import PROJECT_DIR_ENV, ProjectNotFoundError, project_dir

    checkout = tmp_path / "second-checkout"
    (checkout / "models" / "marts").mkdir(parents=True)
    (checkout / "dbt_project.yml").write_text("name: warehouse\n")
    monkeypatch.delenv(PROJECT_DIR_ENV, raising=False)
    monkeypatch.chdir(checkout / "models" / "marts")
    assert project_dir() == checkout.resolve()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProjectNotFoundError, match=r"no dbt_project\.yml in .* or any folder"):
        project_dir()
    monkeypatch.setenv(PROJECT_DIR_ENV, str(checkout))
    assert project_dir() == checkout.resolve()


def test_project_dir_names_the_project_or_fails_clearly(tmp_path, monkeypatch, capsys):
    from warehouse.dbt_runner import PROJECT_DIR_ENV

    monkeypatch.delenv(PROJECT_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["dbt", "--project-dir", str(tmp_path), "parse"]) == 1
    assert "warehouse dbt: error: no dbt_project.yml in" in capsys.readouterr().err
    assert main(["coverage"]) == 1
    assert "run the command inside the warehouse project" in capsys.readouterr().err
