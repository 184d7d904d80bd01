-- The purchase funnel per day and channel group: how many sessions reached each step and
-- converted. Grain: one session date and channel group.
with sessions as (
    select * from {{ ref('fct_sessions') }}
),

channels as (
    select * from {{ ref('dim_channels') }}
),

daily as (
    select
        sessions.session_date,
        channels.channel_group,
        count(*) as sessions,
        sum(case when sessions.product_views > 0 then 1 else 0 end) as sessions_with_product_view,
        sum(case when sessions.add_to_carts > 0 then 1 else 0 end) as sessions_with_add_to_cart,
        sum(case when sessions.checkouts > 0 then 1 else 0 end) as sessions_with_checkout,
        sum(case when sessions.converted then 1 else 0 end) as sessions_converted,
        sum(sessions.order_revenue) as revenue
    from sessions
    inner join channels on sessions.channel_sk = channels.channel_sk
    group by sessions.session_date, channels.channel_group
),

final as (
    select
        -- grain
        session_date,
        channel_group,
        -- measures
        cast(sessions as bigint) as sessions,
        cast(sessions_with_product_view as bigint) as sessions_with_product_view,
        cast(sessions_with_add_to_cart as bigint) as sessions_with_add_to_cart,
        cast(sessions_with_checkout as bigint) as sessions_with_checkout,
        cast(sessions_converted as bigint) as sessions_converted,
        cast({{ exact_ratio('sessions_converted', 'sessions', 6) }} as decimal(9, 6))
            as conversion_rate,
        cast(
            case
                when sessions_with_add_to_cart > 0
                    then {{ exact_ratio('sessions_converted', 'sessions_with_add_to_cart', 6) }}
            end as decimal(9, 6)
        ) as cart_conversion_rate,
        cast(coalesce(revenue, 0) as decimal(18, 4)) as revenue
    from daily
)

select * from final
