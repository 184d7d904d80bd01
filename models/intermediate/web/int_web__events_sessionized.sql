-- Events assigned to sessions, with the visitor stitched to a customer: the keys, type and
-- time of each event (its other attributes stay in stg_web__events). Grain: one event.
-- A session ends after 30 minutes without an event (an event exactly 30 minutes after the
-- previous one starts a new session); an event carrying a new UTM campaign, or following a
-- purchase, starts a new session (so a session places at most one order).
-- A visitor (anonymous_id) who logs in on any event is that customer on all of their events,
-- before the login too.
-- Incremental: every run re-sessionizes ALL events of the visitors who have new events (a late
-- event may split, join or extend any of their sessions), replacing their rows
-- (delete+insert on anonymous_id).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='anonymous_id',
        on_schema_change='append_new_columns'
    )
}}

{%- set watermark = batch_watermark('_sessionized_batch') %}

with new_events as (
    select
        anonymous_id,
        _batch_id
    from {{ ref('stg_web__events') }}
    where _batch_id > {{ watermark }}
),

visitors as (
    select
        anonymous_id,
        max(_batch_id) as _sessionized_batch
    from new_events
    group by anonymous_id
),

events as (
    -- the columns sessionizing needs, no more: the window functions below sort these rows
    -- (all events on a full build), and the model stores them; the events' other attributes
    -- stay in staging, where fct_events and int_web__sessions_aggregated read them by event_id
    select
        events.event_id,
        events.anonymous_id,
        events.customer_key,
        events.order_key,
        events.part_key,
        events.event_type,
        events.client_ts,
        events.utm_campaign,
        events._batch_id,
        visitors._sessionized_batch
    from {{ ref('stg_web__events') }} as events
    inner join visitors on events.anonymous_id = visitors.anonymous_id
),

identity as (
    -- the customer a visitor logged in as most recently. Read from the staging table, not
    -- from `events`: PostgreSQL stores a CTE that is read twice whole, every column of every
    -- event of these visitors (at SF 1 this model's temporary files passed 23 GB before the
    -- disk filled); this reads four columns
    select
        anonymous_id,
        customer_key as stitched_customer_key
    from (
        select
            logins.anonymous_id,
            logins.customer_key,
            row_number() over (
                partition by logins.anonymous_id
                order by logins.client_ts desc, logins.event_id desc
            ) as recency
        from {{ ref('stg_web__events') }} as logins
        inner join visitors on logins.anonymous_id = visitors.anonymous_id
        where logins.customer_key is not null
    ) as logged_in
    where recency = 1
),

with_previous as (
    select
        events.*,
        lag(events.client_ts) over (
            partition by events.anonymous_id order by events.client_ts, events.event_id
        ) as previous_ts,
        lag(events.utm_campaign) over (
            partition by events.anonymous_id order by events.client_ts, events.event_id
        ) as previous_campaign,
        lag(events.event_type) over (
            partition by events.anonymous_id order by events.client_ts, events.event_id
        ) as previous_type
    from events
),

boundaries as (
    select
        with_previous.*,
        case
            when with_previous.previous_ts is null then 1
            when with_previous.client_ts >= with_previous.previous_ts + interval '30' minute then 1
            when with_previous.previous_type = 'purchase' then 1
            when with_previous.utm_campaign is not null
                and (
                    with_previous.previous_campaign is null
                    or with_previous.utm_campaign <> with_previous.previous_campaign
                )
                then 1
            else 0
        end as starts_session
    from with_previous
),

numbered as (
    select
        boundaries.*,
        sum(boundaries.starts_session) over (
            partition by boundaries.anonymous_id order by boundaries.client_ts, boundaries.event_id
            rows between unbounded preceding and current row
        ) as session_number
    from boundaries
),

final as (
    select
        -- keys
        numbered.event_id,
        {{ surrogate_key(['numbered.anonymous_id', 'numbered.session_number']) }}
            as session_sk,
        numbered.anonymous_id,
        cast(numbered.session_number as integer) as session_number,
        numbered.customer_key,
        identity.stitched_customer_key,
        numbered.order_key,
        numbered.part_key,
        -- attributes
        numbered.event_type,
        numbered.client_ts,
        -- metadata
        numbered._batch_id,
        numbered._sessionized_batch
    from numbered
    left join identity on numbered.anonymous_id = identity.anonymous_id
)

select * from final
