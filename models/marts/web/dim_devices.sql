-- Devices. Grain: one device type, browser and operating system seen on any staged event
-- (every event can open a session), plus the unknown member. Keys: device_sk.
-- Inputs: stg_web__events. Incremental and append-only like dim_channels: a run rewrites the
-- combinations of the batches staged since the last one (merge on device_sk).
-- merge, not delete+insert: the facts' foreign keys (PostgreSQL) forbid deleting a member.
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='device_sk',
        on_schema_change='append_new_columns'
    )
}}

with new_events as (
    -- one row per distinct raw combination, before the parsing
    select
        device,
        user_agent,
        max(_batch_id) as _batch_id
    from {{ ref('stg_web__events') }}
    where _batch_id > {{ batch_watermark() }}
    group by device, user_agent
),

attributed as (
    {{ web_device_attributes('new_events') }}
),

known as (
    select
        device_sk,
        device_type,
        browser,
        operating_system,
        max(_batch_id) as _batch_id
    from attributed
    group by device_sk, device_type, browser, operating_system
),

unknown_member as (
    select
        {{ unknown_member_sk() }} as device_sk,
        'unknown' as device_type,
        'Unknown' as browser,
        'Unknown' as operating_system,
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
