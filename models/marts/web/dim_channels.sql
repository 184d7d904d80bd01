-- Acquisition channels: where sessions came from. Grain: one channel group, source, medium and
-- campaign combination seen on a session's landing event (plus the unknown member).
with sessions as (
    select * from {{ ref('int_web__sessions') }}
),

distinct_channels as (
    select distinct
        channel_group,
        channel_source,
        channel_medium,
        channel_campaign
    from sessions
),

known as (
    select
        {{ dbt_utils.generate_surrogate_key(
            ['channel_group', 'channel_source', 'channel_medium', 'channel_campaign']) }}
            as channel_sk,
        channel_group,
        channel_source,
        channel_medium,
        channel_campaign
    from distinct_channels
),

unknown_member as (
    select
        {{ unknown_member_sk() }} as channel_sk,
        'Unknown' as channel_group,
        'Unknown' as channel_source,
        'Unknown' as channel_medium,
        'Unknown' as channel_campaign
),

final as (
    select * from known
    union all
    select * from unknown_member
)

select * from final
