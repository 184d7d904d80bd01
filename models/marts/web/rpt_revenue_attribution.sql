-- Revenue of each order attributed to the channel of the customer's first session before it
-- (first touch) and to the channel of the converting session (last touch).
-- Grain: one month of purchase and channel group.
with sessions as (
    -- the columns used below: PostgreSQL stores this CTE (it is read twice)
    select
        session_sk,
        customer_key,
        started_at,
        converted,
        order_revenue,
        channel_sk
    from {{ ref('fct_sessions') }}
    where customer_key <> {{ unknown_member_key() }}
),

channels as (
    select * from {{ ref('dim_channels') }}
),

conversions as (
    select
        session_sk,
        customer_key,
        started_at,
        order_revenue,
        channel_sk
    from sessions
    where converted
),

first_touch as (
    -- the customer's earliest session up to the converting one, which is their first session
    -- of all (the converting session is one of theirs, so the first comes no later). One row
    -- per customer: joining each conversion to all earlier sessions of its customer instead
    -- wrote 15 GB of temporary files on PostgreSQL at SF 1.
    select
        customer_key,
        channel_sk
    from (
        select
            customer_key,
            channel_sk,
            row_number() over (
                partition by customer_key order by started_at, session_sk
            ) as session_position
        from sessions
    ) as positioned
    where session_position = 1
),

attributed as (
    select
        cast({{ dbt.date_trunc('month', 'conversions.started_at') }} as date) as purchase_month,
        'first_touch' as attribution_model,
        first_touch.channel_sk,
        conversions.order_revenue
    from conversions
    inner join first_touch on conversions.customer_key = first_touch.customer_key
    union all
    select
        cast({{ dbt.date_trunc('month', 'conversions.started_at') }} as date) as purchase_month,
        'last_touch' as attribution_model,
        conversions.channel_sk,
        conversions.order_revenue
    from conversions
),

final as (
    select
        -- grain
        attributed.purchase_month,
        channels.channel_group,
        -- measures
        cast(sum(
            case when attributed.attribution_model = 'first_touch' then 1 else 0 end
        ) as bigint)
            as first_touch_orders,
        cast(coalesce(sum(
            case when attributed.attribution_model = 'first_touch' then attributed.order_revenue end
        ), 0) as decimal(18, 4)) as first_touch_revenue,
        cast(sum(
            case when attributed.attribution_model = 'last_touch' then 1 else 0 end
        ) as bigint)
            as last_touch_orders,
        cast(coalesce(sum(
            case when attributed.attribution_model = 'last_touch' then attributed.order_revenue end
        ), 0) as decimal(18, 4)) as last_touch_revenue
    from attributed
    inner join channels on attributed.channel_sk = channels.channel_sk
    group by attributed.purchase_month, channels.channel_group
)

select * from final
