-- Web sessions, the funnel fact. Grain: one session (30 minutes of inactivity or a new UTM
-- campaign ends it; see int_web__events_sessionized). Incremental: the sessions of visitors
-- with newly landed events (or whose customer got a new version) are rebuilt whole, so a late
-- event that belongs to an old session updates it.
-- The delete key, anonymous_id, is the visitor whose rows a run replaces, not the grain.
-- PostgreSQL indexes and keys: macros/engine_tuning (postgres_indexes, index_key_and_analyze).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='anonymous_id',
        on_schema_change='append_new_columns',
        indexes=postgres_indexes(
            ['customer_sk', 'channel_sk', 'device_sk', 'session_date', 'order_key'])
    )
}}

{%- set watermark = batch_watermark() %}

with changed_visitors as (
    -- the visitors changed since this model last ran (all of them on a full build)
    select anonymous_id from {{ ref('int_web__visitors_last_changed') }}
    where last_changed_batch > {{ watermark }}
),

sessions as (
    select * from {{ ref('int_web__sessions_aggregated') }}
    where anonymous_id in (select changed_visitors.anonymous_id from changed_visitors)
),

customers as (
    select * from {{ ref('dim_customers') }}
),

orders as (
    select
        order_key,
        net_amount
    from {{ ref('fct_orders') }}
),

final as (
    select
        -- keys
        sessions.session_sk,
        sessions.anonymous_id,
        sessions.session_number,
        -- foreign keys
        coalesce(customers.customer_sk, {{ unknown_member_sk() }}) as customer_sk,
        coalesce(sessions.customer_key, {{ unknown_member_key() }}) as customer_key,
        sessions.channel_sk,
        sessions.device_sk,
        sessions.order_key,
        cast(sessions.started_at as date) as session_date,
        -- attributes
        sessions.started_at,
        sessions.ended_at,
        cast(
            -- dbt's datediff renders to one long line on DuckDB
            -- noqa: disable=LT05
            {{ dbt.datediff('sessions.started_at', 'sessions.ended_at', 'second') }}
            -- noqa: enable=LT05
            as bigint
        ) as duration_seconds,
        sessions.landing_page,
        sessions.purchases > 0 as converted,
        -- measures
        cast(sessions.event_count as bigint) as event_count,
        cast(sessions.page_views as bigint) as page_views,
        cast(sessions.searches as bigint) as searches,
        cast(sessions.product_views as bigint) as product_views,
        cast(sessions.add_to_carts as bigint) as add_to_carts,
        cast(sessions.checkouts as bigint) as checkouts,
        cast(sessions.purchases as bigint) as purchases,
        -- revenue of the order placed (net of discount, as in fct_order_lines); null until
        -- the order has landed in the erp extract
        orders.net_amount as order_revenue,
        -- metadata
        sessions._batch_id
    from sessions
    left join customers
        on sessions.customer_key = customers.customer_key
        and {{ valid_at('customers', 'sessions.started_at') }}
    left join orders on sessions.order_key = orders.order_key
)

select * from final
