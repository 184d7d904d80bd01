-- Valid clickstream events, each once. Grain: one event (event_id).
-- Incremental: reads only batches landed since the last run; a copy of an event that is
-- already staged (at-least-once delivery) is dropped here and counted as a duplicate.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_id',
        on_schema_change='append_new_columns'
    )
}}

with arrived as (
    select * from {{ ref('base_web__events') }}
    where _invalid_reason is null
        and _batch_id > {{ batch_watermark() }}
),

first_copies as (
    select
        arrived.*,
        row_number() over (
            partition by arrived.event_id order by arrived._batch_id, arrived.collector_ts
        ) as copy_number
    from arrived
),

final as (
    select
        -- keys
        event_id,
        anonymous_id,
        customer_key,
        order_key,
        part_key,
        -- attributes
        event_type,
        client_ts,
        collector_ts,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device,
        user_agent,
        ip_hash,
        consent,
        search_query,
        page_load_ms,
        -- metadata
        _batch_id
    from first_copies
    where copy_number = 1
    {% if is_incremental() %}
        -- not exists, not `not in`: PostgreSQL runs `not in (subquery)` as a nested loop
        and not exists (
            select 1 from {{ this }} as staged where staged.event_id = first_copies.event_id
        )
    {% endif %}
)

select * from final
