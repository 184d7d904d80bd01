"""Unit tests of the TPC-H answer oracle (no dbt, no warehouse build)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from oracle import (
    Answer,
    check_queries,
    compare,
    compiled_analyses,
    load_answers,
    parse_answer,
)

Q18_COLUMNS = ["c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice", "sum"]
Q18_ANSWER = Answer(
    columns=Q18_COLUMNS,
    rows=[
        ["Customer#000000667", "667", "29158", "1995-10-21", "439687.23", "305"],
        ["Customer#000000178", "178", "6882", "1997-04-09", "422359.65", "303"],
    ],
)
Q18_RESULT = [
    ("Customer#000000667", 667, 29158, dt.date(1995, 10, 21), Decimal("439687.23"), Decimal("305")),
    ("Customer#000000178", 178, 6882, dt.date(1997, 4, 9), Decimal("422359.65"), Decimal("303")),
]


def one_value(text: str) -> Answer:
    return Answer(columns=["value"], rows=[[text]])


def test_identical_result_matches() -> None:
    assert compare(Q18_COLUMNS, Q18_RESULT, Q18_ANSWER) == []


def test_mismatching_number_is_reported() -> None:
    rows = [Q18_RESULT[0], (*Q18_RESULT[1][:4], Decimal("422359.66"), Decimal("303"))]
    problems = compare(Q18_COLUMNS, rows, Q18_ANSWER)
    assert len(problems) == 1
    assert "row 2" in problems[0]
    assert "o_totalprice" in problems[0]
    assert "422359.65" in problems[0]


def test_row_count_mismatch_is_reported() -> None:
    problems = compare(Q18_COLUMNS, Q18_RESULT[:1], Q18_ANSWER)
    assert problems == ["expected 2 rows, got 1"]


def test_column_count_mismatch_is_reported() -> None:
    rows = [row[:5] for row in Q18_RESULT]
    problems = compare(Q18_COLUMNS[:5], rows, Q18_ANSWER)
    assert any("expected 6 columns" in problem for problem in problems)


def test_column_names_are_not_compared() -> None:
    renamed = ["name", "customer", "order", "date", "price", "sum_quantity"]
    assert compare(renamed, Q18_RESULT, Q18_ANSWER) == []


def test_row_order_matters() -> None:
    problems = compare(Q18_COLUMNS, list(reversed(Q18_RESULT)), Q18_ANSWER)
    assert problems != []


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (Decimal("25.575154611454693"), "25.575154611454693"),
        (25.57515461145469, "25.575154611454693"),
        (Decimal("25.5751546114546926"), "25.575154611454693"),
        (Decimal("505822441.4861"), "505822441.49"),
        (0.0, "0.0"),
        (1.005, "1.01"),  # repr(1.005) == '1.005': half-up, not the binary 1.00499...
    ],
)
def test_numbers_equal_after_rounding_to_two_decimals(actual: object, expected: str) -> None:
    assert compare(["value"], [(actual,)], one_value(expected)) == []


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (Decimal("25.57"), "25.575154611454693"),
        (0.01, "0.0"),
        (Decimal("1.004"), "1.01"),
    ],
)
def test_numbers_differing_after_rounding_do_not_match(actual: object, expected: str) -> None:
    assert len(compare(["value"], [(actual,)], one_value(expected))) == 1


def test_floating_point_noise_at_a_rounding_boundary_is_tolerated() -> None:
    # A double average may print 0.12499999999999999 where an exact numeric gives 0.125.
    assert compare(["avg"], [(0.12499999999999999,)], one_value("0.125")) == []
    assert len(compare(["avg"], [(Decimal("0.1249"),)], one_value("0.125"))) == 1


@pytest.mark.parametrize("actual", [305, 305.0, Decimal("305"), Decimal("305.00")])
def test_decimal_float_and_int_all_match_an_integer_answer(actual: object) -> None:
    assert compare(["sum"], [(actual,)], one_value("305")) == []


@pytest.mark.parametrize("actual", [306, 305.5, Decimal("304.99")])
def test_decimal_float_and_int_detect_a_wrong_integer(actual: object) -> None:
    assert len(compare(["sum"], [(actual,)], one_value("305"))) == 1


def test_number_against_text_answer_is_a_problem() -> None:
    assert len(compare(["n_name"], [(42,)], one_value("GERMANY"))) == 1


def test_dates_compare_as_iso_text() -> None:
    answer = one_value("1995-03-05")
    assert compare(["d"], [(dt.date(1995, 3, 5),)], answer) == []
    assert compare(["d"], [(dt.datetime(1995, 3, 5),)], answer) == []
    assert len(compare(["d"], [(dt.date(1995, 3, 6),)], answer)) == 1
    assert len(compare(["d"], [(dt.datetime(1995, 3, 5, 12, 30),)], answer)) == 1


def test_strings_compare_without_trailing_spaces() -> None:
    answer = one_value("TZoQwNFFO i,baXpbpin02,hvuhE,GRVIKm ")
    assert compare(["s"], [("TZoQwNFFO i,baXpbpin02,hvuhE,GRVIKm",)], answer) == []
    assert compare(["s"], [("TZoQwNFFO i,baXpbpin02,hvuhE,GRVIKm   ",)], answer) == []
    assert len(compare(["s"], [(" TZoQwNFFO i,baXpbpin02,hvuhE,GRVIKm",)], answer)) == 1
    assert len(compare(["s"], [("tzoqwnffo i,baxpbpin02,hvuhe,grvikm",)], answer)) == 1


def test_null_matches_an_empty_answer_only() -> None:
    assert compare(["avg_yearly"], [(None,)], one_value("")) == []
    assert len(compare(["avg_yearly"], [(None,)], one_value("0.00"))) == 1
    assert len(compare(["avg_yearly"], [(Decimal("0"),)], one_value(""))) == 1


def test_parse_answer_keeps_trailing_spaces_and_null_rows() -> None:
    assert parse_answer("a|b\n1|x \n") == Answer(columns=["a", "b"], rows=[["1", "x "]])
    assert parse_answer("avg_yearly\n\n") == Answer(columns=["avg_yearly"], rows=[[""]])


def test_load_answers_at_smallest_scale() -> None:
    answers = load_answers(0.01)
    assert sorted(answers) == list(range(1, 23))
    assert answers[1].columns[:3] == ["l_returnflag", "l_linestatus", "sum_qty"]
    assert [row[:2] for row in answers[1].rows] == [["A", "F"], ["N", "F"], ["N", "O"], ["R", "F"]]
    assert answers[18] == Q18_ANSWER
    assert answers[17].rows == [[""]]
    assert all(len(row) == len(a.columns) for a in answers.values() for row in a.rows)


def test_load_answers_differs_by_scale() -> None:
    assert load_answers(0.1)[6].rows != load_answers(0.01)[6].rows


def test_load_answers_rejects_unknown_scale() -> None:
    with pytest.raises(ValueError, match="scale factor"):
        load_answers(0.5)


def test_check_queries_reports_per_query() -> None:
    def run_query(sql: str) -> tuple[list[str], list[tuple]]:
        if sql == "q6":
            return ["revenue"], [(Decimal("1193053.2253"),)]
        if sql == "q12":
            return ["l_shipmode", "high_line_count", "low_line_count"], [("MAIL", 64, 86)]
        raise RuntimeError("syntax error")

    problems = check_queries(run_query, {6: "q6", 12: "q12", 4: "broken"}, 0.01)
    assert problems[6] == []
    assert problems[12] == ["expected 2 rows, got 1"]
    assert problems[4] == ["query failed: RuntimeError: syntax error"]


def test_compiled_analyses_reads_numbered_queries(tmp_path: Path) -> None:
    folder = tmp_path / "compiled" / "warehouse" / "analyses" / "tpch"
    folder.mkdir(parents=True)
    (folder / "q01.sql").write_text("select 1", encoding="utf-8")
    (folder / "q22.sql").write_text("select 22", encoding="utf-8")
    (folder / "notes.sql").write_text("select 0", encoding="utf-8")
    assert compiled_analyses(tmp_path) == {1: "select 1", 22: "select 22"}


def test_compiled_analyses_requires_dbt_compile(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="dbt compile"):
        compiled_analyses(tmp_path)
