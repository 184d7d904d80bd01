-- Acquisition channels: where sessions came from. Grain: one channel group, source, medium and
-- campaign combination seen on a session's landing event (plus the unknown member).
with sessions as (
    select * from {{ ref('int_web__sessions_aggregated') }}
),

known as (
    -- channel_sk: the sessions' own key of these attributes
    select distinct
        channel_sk,
        channel_group,
        channel_source,
        channel_medium,
        channel_campaign
    from sessions
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
