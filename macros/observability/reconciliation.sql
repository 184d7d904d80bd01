{#-
    Per-batch reconciliation (tests/singular/assert_batches_reconcile.sql) needs to know which
    batches a run reads for the first time. The readers' logs hold one row per landed file:
    raw._landed_files on DuckDB (written by verify_landed_files), raw._load_log on PostgreSQL
    (written by `warehouse load`), each with a `reconciled_by` column:
    - on-run-start, claim_batches_to_reconcile() gives every file not yet reconciled to this
      run (reconciled_by = invocation_id);
    - the test checks the claimed batches (every batch on a full refresh);
    - on-run-end, release_unreconciled_batches() hands them back (null) unless the test passed
      in this run and the run built the whole project without a failure
      (batches_checked_by()), so a run that skipped or failed the test, or any node, or built
      a selection, leaves them to the next one.
-#}

{% macro reconciliation_log() -%}
    {{ return(adapter.dispatch('reconciliation_log', 'warehouse')()) }}
{%- endmacro %}

{#- (source_name, entity, batch_id, row_count, duplicate_of_batch, reconciled_by) per file -#}
{% macro duckdb__reconciliation_log() -%}
    {{ return('raw._landed_files') }}
{%- endmacro %}

{% macro default__reconciliation_log() -%}
    {{ return('raw._load_log') }}
{%- endmacro %}


{% macro claim_batches_to_reconcile() -%}
    {{ return(adapter.dispatch('claim_batches_to_reconcile', 'warehouse')()) }}
{%- endmacro %}

{% macro duckdb__claim_batches_to_reconcile() -%}
    update raw._landed_files set reconciled_by = '{{ invocation_id }}' where reconciled_by is null
{%- endmacro %}

{#- PostgreSQL: the log exists once `warehouse load` has run. -#}
{% macro postgres__claim_batches_to_reconcile() -%}
    do $$
    begin
        if to_regclass('raw._load_log') is not null then
            update raw._load_log set reconciled_by = '{{ invocation_id }}'
            where reconciled_by is null;
        end if;
    end
    $$
{%- endmacro %}

{% macro default__claim_batches_to_reconcile() -%}
    select 1
{%- endmacro %}


{% macro release_unreconciled_batches(results) -%}
    {%- if batches_checked_by(results) -%}
        select 1
    {%- else -%}
        {{ adapter.dispatch('release_unreconciled_batches', 'warehouse')() }}
    {%- endif -%}
{%- endmacro %}

{#- Whether a run has checked the batches it claimed: its per-batch reconciliation passed,
    every model and snapshot of the project ran in it, and no node failed, errored or was
    skipped. Otherwise the next run claims them again, so its reconciliation and its tests of
    new batches (macros/quality/test_scope.sql) read them again. -#}
{% macro batches_checked_by(results) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set ran, reconciled, unfinished = [], [], [] -%}
    {%- for result in results -%}
        {%- do ran.append(result.node.unique_id) -%}
        {%- if result.node.name == 'assert_batches_reconcile' and result.status == 'pass' -%}
            {%- do reconciled.append(result.node.unique_id) -%}
        {%- elif result.status in ['error', 'fail', 'skipped', 'runtime error'] -%}
            {%- do unfinished.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set not_run = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'snapshot'] and node.package_name == project_name
        and node.unique_id not in ran -%}
        {%- do not_run.append(node.unique_id) -%}
    {%- endfor -%}
    {{ return(reconciled and not unfinished and not not_run) }}
{%- endmacro %}

{% macro duckdb__release_unreconciled_batches() -%}
    update raw._landed_files set reconciled_by = null where reconciled_by = '{{ invocation_id }}'
{%- endmacro %}

{% macro postgres__release_unreconciled_batches() -%}
    do $$
    begin
        if to_regclass('raw._load_log') is not null then
            update raw._load_log set reconciled_by = null
            where reconciled_by = '{{ invocation_id }}';
        end if;
    end
    $$
{%- endmacro %}

{% macro default__release_unreconciled_batches() -%}
    select 1
{%- endmacro %}


{#-
    The files of the batches this run reconciles, per source table and batch: rows landed
    (the manifest's count of the files read or skipped) and rows of re-sent files skipped.
    Returns an agate table (source_name, entity, batch_id, landed_rows, resent_rows).
-#}
{% macro batches_to_reconcile() -%}
    {{ return(run_query(
        "select source_name, entity, batch_id, sum(row_count) as landed_rows, "
        ~ "sum(case when duplicate_of_batch is not null then row_count else 0 end) as resent_rows "
        ~ "from " ~ reconciliation_log() ~ " where " ~ claimed_by_this_run() ~ " "
        ~ "group by source_name, entity, batch_id order by batch_id, source_name, entity")) }}
{%- endmacro %}


{#- The batches of a source (of every source: none) this run reads first (every batch on a
    full refresh; batch ids are shared by the sources of one landing), as a list
    of literals for `in (...)` (null when there are none): a literal list, unlike a subquery,
    lets the engine skip the landed files and row groups of other batches. -#}
{% macro claimed_batches(source_name=none) -%}
    {%- if not execute -%}
        {{ return('null') }}
    {%- endif -%}
    {%- set of_source = "source_name = '" ~ source_name ~ "' and " if source_name else "" -%}
    {%- set batches = run_query(
        "select distinct batch_id from " ~ reconciliation_log()
        ~ " where " ~ of_source ~ claimed_by_this_run()
        ~ " order by batch_id").columns[0].values() -%}
    {{ return(batches | join(', ') if batches else 'null') }}
{%- endmacro %}


{#- The condition on the reconciliation log's rows that this run claimed. -#}
{% macro claimed_by_this_run() -%}
    {{ return("true" if flags.FULL_REFRESH else "reconciled_by = '" ~ invocation_id ~ "'") }}
{%- endmacro %}


{#- Raises message (a SQL text expression) when evaluated: the query fails with it. -#}
{% macro fail_with(message) -%}
    {{ return(adapter.dispatch('fail_with', 'warehouse')(message)) }}
{%- endmacro %}

{% macro duckdb__fail_with(message) -%}
    error({{ message }})
{%- endmacro %}

{#- the function is made by create_parse_functions() -#}
{% macro postgres__fail_with(message) -%}
    {{ parse_function_schema() }}.fail({{ message }})
{%- endmacro %}
