-- Clickstream events. Grain: one valid event (duplicates removed, invalid and bot lines in
-- stg_web__quarantine). Incremental like fct_sessions: all events of the visitors with newly
-- landed events are rebuilt, since a late event can change their sessions.
-- The delete key, anonymous_id, is the visitor whose rows a run replaces, not the grain.
-- PostgreSQL indexes and keys: macros/engine_tuning (postgres_indexes, index_key_and_analyze).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='anonymous_id',
        on_schema_change='append_new_columns',
        indexes=postgres_indexes(['session_sk', 'customer_sk', 'part_sk', 'event_date'])
    )
}}

{%- set watermark = batch_watermark() %}

with changed_visitors as (
    -- the visitors changed since this model last ran (all of them on a full build)
    select anonymous_id from {{ ref('int_web__visitors_last_changed') }}
    where last_changed_batch > {{ watermark }}
),

events as (
    select * from {{ ref('int_web__events_sessionized') }}
    where anonymous_id in (select changed_visitors.anonymous_id from changed_visitors)
    -- the visitors to rebuild first, then their attributes (join_on_key)
    {{ evaluate_once() }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

parts as (
    select * from {{ ref('dim_parts') }}
),

final as (
    select
        -- keys
        events.event_id,
        events.session_sk,
        events.anonymous_id,
        -- foreign keys
        coalesce(customers.customer_sk, {{ unknown_member_sk() }}) as customer_sk,
        coalesce(events.stitched_customer_key, {{ unknown_member_key() }}) as customer_key,
        case
            when events.part_key is not null
                then coalesce(parts.part_sk, {{ unknown_member_sk() }})
        end as part_sk,
        events.part_key,
        events.order_key,
        cast(events.client_ts as date) as event_date,
        -- attributes
        events.event_type,
        events.client_ts as event_at,
        staged_events.collector_ts as collected_at,
        staged_events.page_url,
        staged_events.referrer,
        staged_events.search_query,
        staged_events.consent,
        staged_events.ip_hash,
        staged_events.page_load_ms,
        events.customer_key is not null as is_logged_in,
        -- metadata
        events._batch_id
    from events
    -- the attributes int_web__events_sessionized leaves in staging
    {{ join_on_key(ref('stg_web__events'), 'staged_events', 'event_id', 'events.event_id') }}
    left join customers
        on events.stitched_customer_key = customers.customer_key
        and {{ valid_at('customers', 'events.client_ts') }}
    left join parts
        on events.part_key = parts.part_key
        and {{ valid_at('parts', 'events.client_ts') }}
)

select * from final
