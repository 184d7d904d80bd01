-- Devices sessions were made from. Grain: one device type, browser and operating system
-- (plus the unknown member).
with sessions as (
    select * from {{ ref('int_web__sessions_aggregated') }}
),

known as (
    -- device_sk: the sessions' own key of these attributes
    select distinct
        device_sk,
        coalesce(device, 'unknown') as device_type,
        browser,
        operating_system
    from sessions
),

unknown_member as (
    select
        {{ unknown_member_sk() }} as device_sk,
        'unknown' as device_type,
        'Unknown' as browser,
        'Unknown' as operating_system
),

final as (
    select * from known
    union all
    select * from unknown_member
)

select * from final
