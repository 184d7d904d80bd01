-- Run health of the warehouse's models and snapshots. Grain: one model per day (UTC) on
-- which it ran. From Elementary's record of dbt run results, which its on-run-end hook
-- uploads after every dbt command; a view, so it always shows every upload (including the
-- runs after the last build of this model). Elementary's own models are left out.
-- Off with Elementary (`--vars '{elementary_enabled: false}'`), whose table it reads.
{{ config(materialized='view', enabled=var('elementary_enabled', true) | as_bool) }}

with run_results as (
    select * from {{ ref('elementary', 'dbt_run_results') }}
    where unique_id like 'model.warehouse.%'
        or unique_id like 'snapshot.warehouse.%'
),

per_day as (
    select
        name as model_name,
        resource_type,
        cast(created_at as date) as run_date,
        count(*) as runs,
        sum(case when status = 'success' then 1 else 0 end) as successes,
        sum(case when status = 'error' then 1 else 0 end) as errors,
        sum(case when status = 'skipped' then 1 else 0 end) as skips,
        sum(execution_time) as total_seconds,
        max(execution_time) as max_seconds,
        sum(rows_affected) as rows_affected,
        max(created_at) as last_run_at
    from run_results
    group by name, resource_type, cast(created_at as date)
),

last_status as (
    select
        name as model_name,
        cast(created_at as date) as run_date,
        status as last_status,
        row_number() over (
            partition by name, cast(created_at as date) order by created_at desc
        ) as recency
    from run_results
),

final as (
    select
        -- keys
        cast(per_day.model_name as varchar) as model_name,
        per_day.run_date,
        -- attributes
        cast(per_day.resource_type as varchar) as resource_type,
        cast(last_status.last_status as varchar) as last_status,
        per_day.last_run_at,
        -- measures
        cast(per_day.runs as bigint) as runs,
        cast(per_day.successes as bigint) as successes,
        cast(per_day.errors as bigint) as errors,
        cast(per_day.skips as bigint) as skips,
        cast(per_day.total_seconds as decimal(18, 3)) as total_seconds,
        cast(per_day.max_seconds as decimal(18, 3)) as max_seconds,
        cast(per_day.rows_affected as bigint) as rows_affected
    from per_day
    inner join last_status
        on per_day.model_name = last_status.model_name
        and per_day.run_date = last_status.run_date
        and last_status.recency = 1
)

select * from final
