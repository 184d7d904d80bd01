{#-
    Closes a CTE whose columns are parse results (a JSON document, try_* casts) so that each is
    computed once per row. PostgreSQL inlines a CTE that is read once into its reader and puts
    the expression itself wherever the column is used: with the parse functions stable (or
    immutable, measured: 30 parses per line, 22 s instead of 2 s for SF 0.01's 295 k lines),
    a line's JSON would be parsed once per field read from it. `offset 0` keeps the CTE a
    subquery of its own, computed once per row and streamed to its reader. (With volatile
    functions instead, PostgreSQL stores the whole CTE, every line with its document, in
    temporary files: over 40 GB at SF 1.) On DuckDB it renders nothing.
-#}
{% macro evaluate_once() -%}
    {{ return(adapter.dispatch('evaluate_once', 'warehouse')()) }}
{%- endmacro %}

{% macro default__evaluate_once() -%}
{%- endmacro %}

{% macro postgres__evaluate_once() -%}
    offset 0
{%- endmacro %}


{#-
    A relation with computed columns added, each computed once per row, for a model that stays
    a view on PostgreSQL. columns: list of [expression, name]; the expressions read the
    relation's columns by their bare names. Use as `select * from {{ with_computed(...) }}`.

    PostgreSQL: a lateral subquery closed by `offset 0`, computed once per row of the relation
    (like evaluate_once()) while the relation itself is still flattened into the reader's
    query, so a reader's filter on one of the relation's own columns (the batch) reaches the
    raw table. A whole CTE closed by `offset 0` would block it: in a view, every reader would
    parse the whole history. DuckDB: a subquery adding the columns (a lateral join there
    becomes a join on the row's values, 4x slower).
-#}
{% macro with_computed(relation, columns) -%}
    {{ return(adapter.dispatch('with_computed', 'warehouse')(relation, columns)) }}
{%- endmacro %}

{% macro default__with_computed(relation, columns) -%}
    (
        select
            {{ relation }}.*,
            {%- for expression, name in columns %}
            {{ expression }} as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ relation }}
    ) as {{ relation }}_computed
{%- endmacro %}

{% macro postgres__with_computed(relation, columns) -%}
    {{ relation }}
    cross join lateral (
        select
            {%- for expression, name in columns %}
            {{ expression }} as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        {{ evaluate_once() }}
    ) as {{ relation }}_computed
{%- endmacro %}
