-- Acquisition channels. Grain: one channel group, source, medium and campaign combination
-- seen on any staged event (every event can open a session), plus the unknown member.
-- Keys: channel_sk. Inputs: stg_web__events, the channel_groups and referrer_channels seeds.
-- Incremental and append-only: a run reads the events of the batches staged since the last
-- one and rewrites the combinations they carry (merge on channel_sk), each with the
-- newest batch that carried it, so a full refresh gives the same rows (docs/performance.md).
-- merge, not delete+insert: the facts' foreign keys (PostgreSQL) forbid deleting a member.
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='channel_sk',
        on_schema_change='append_new_columns'
    )
}}

with new_events as (
    -- one row per distinct raw combination, before the parsing
    select
        utm_source,
        utm_medium,
        utm_campaign,
        referrer,
        max(_batch_id) as _batch_id
    from {{ ref('stg_web__events') }}
    where _batch_id > {{ batch_watermark() }}
    group by utm_source, utm_medium, utm_campaign, referrer
),

channel_groups as (
    select * from {{ ref('channel_groups') }}
),

referrer_channels as (
    select * from {{ ref('referrer_channels') }}
),

attributed as (
    {{ web_channel_attributes('new_events', 'channel_groups', 'referrer_channels') }}
),

known as (
    select
        channel_sk,
        channel_group,
        channel_source,
        channel_medium,
        channel_campaign,
        max(_batch_id) as _batch_id
    from attributed
    group by channel_sk, channel_group, channel_source, channel_medium, channel_campaign
),

unknown_member as (
    select
        {{ unknown_member_sk() }} as channel_sk,
        'Unknown' as channel_group,
        'Unknown' as channel_source,
        'Unknown' as channel_medium,
        'Unknown' as channel_campaign,
        cast(0 as bigint) as _batch_id
),

final as (
    select * from known
    {% if not is_incremental() %}
        union all
        select * from unknown_member
    {% endif %}
)

select * from final
