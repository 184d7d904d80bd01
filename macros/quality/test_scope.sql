{#-
    What a data test reads (docs/performance.md, "Tests check what the run wrote").

    dbt hands every generic test its model through get_where_subquery(); the root project's
    version here replaces dbt's. It applies the test's `where` config, as dbt's does, and in a
    `dbt build` it also narrows a row-level test of an incremental model that records
    `_batch_id` to the rows of the batches this run reads first (claimed_batches(), the claim
    of the per-batch reconciliation), so a daily build tests its day and not the history.
    A key test reads, in addition, every older row that shares a key with those rows, so a new
    row that repeats an old key still fails it; but not when the model's writes replace the
    old rows of the key instead of repeating them (key_replaced_by_its_writes()).
    A model whose written rows are marked by another column than `_batch_id` names it in its
    meta, `batch_column` (the web models re-sessionizing a visitor mark all the visitor's rows
    with the newest batch, `_sessionized_batch`).

    The whole table is tested instead by `dbt test` (the full checks, `make full-checks`), by
    a full refresh, with `--vars '{test_scope: all}'`, and by tests whose meta sets
    `scope: all`. Elementary's tests and the project's SLA test always read the whole model.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set new_rows = new_batches_condition(relation) -%}
    {%- if new_rows -%}
        {%- do conditions.append(new_rows) -%}
    {%- endif -%}
    {%- if not conditions -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ')
        ~ ') dbt_subquery') }}
{%- endmacro %}


{#- The condition that keeps a test to the rows this build wrote, or none when the test must
    read the whole model (see get_where_subquery). -#}
{% macro new_batches_condition(relation) -%}
    {%- if not execute or flags.WHICH != 'build' or flags.FULL_REFRESH
        or var('test_scope', 'new_batches') == 'all' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set metadata = model.test_metadata -%}
    {%- if not metadata or metadata.name not in batch_scoped_tests()
        or (config.get('meta') or {}).get('scope') == 'all' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- if tested is none or tested.config.materialized != 'incremental' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set batch_column = (tested.config.get('meta') or {}).get('batch_column', '_batch_id') -%}
    {%- if batch_column not in tested.columns -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set new_batches = batch_column ~ ' in (' ~ claimed_batches() ~ ')' -%}
    {%- set key = test_key_columns(metadata) -%}
    {%- if not key or key_replaced_by_its_writes(tested, key) -%}
        {{ return(new_batches) }}
    {%- endif -%}
    {{ return('(' ~ key ~ ') in (select ' ~ key ~ ' from ' ~ relation ~ ' where '
        ~ new_batches ~ ')') }}
{%- endmacro %}


{#- Tests whose verdict on a row depends on that row alone, or on the rows sharing its key
    (dbt's and dbt_utils'); only these are narrowed to a run's new batches. -#}
{% macro batch_scoped_tests() -%}
    {{ return([
        'not_null', 'unique', 'accepted_values', 'relationships', 'accepted_range',
        'expression_is_true', 'not_null_proportion', 'unique_combination_of_columns',
    ]) }}
{%- endmacro %}


{#- The key columns of a key test, comma-separated ('' for any other test). -#}
{% macro test_key_columns(metadata) -%}
    {%- if metadata.name == 'unique' -%}
        {{ return(metadata.kwargs.column_name) }}
    {%- elif metadata.name == 'unique_combination_of_columns' -%}
        {{ return(metadata.kwargs.combination_of_columns | join(', ')) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- Whether a model's incremental writes replace the old rows of the tested key, so that an
    older row can not share a key with a written row and a key test needs the written rows
    only (a row repeated outside a build is found by the full checks). They do when the
    strategy deletes or merges by the model's unique_key and
    - the tested key is the unique_key (the same columns), or
    - the strategy is delete+insert and the model's meta lists the tested key in
      `keys_within_unique_key`: a key whose rows always share one unique_key value (an event
      belongs to one visitor for good), so a write by the unique_key deletes every older row
      of it. The yml says why that holds. -#}
{% macro key_replaced_by_its_writes(tested, key) -%}
    {%- set unique_key = tested.config.get('unique_key') -%}
    {%- set strategy = tested.config.get('incremental_strategy') -%}
    {%- if not unique_key or strategy not in ['delete+insert', 'merge'] -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set written = ([unique_key] if unique_key is string else unique_key)
        | map('lower') | sort | list -%}
    {%- set tested_key = key.split(',') | map('trim') | map('lower') | sort | list -%}
    {%- if written == tested_key -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set declared_keys = (tested.config.get('meta') or {}).get('keys_within_unique_key', [])
        if strategy == 'delete+insert' else [] -%}
    {%- for within in declared_keys -%}
        {%- set declared = ([within] if within is string else within) | map('lower') | sort | list -%}
        {%- if declared == tested_key -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
