{#- The acquisition channel of web events and its dimension key: a select over `events` (a CTE
    or relation with the columns utm_source, utm_medium, utm_campaign and referrer) adding
    channel_group, channel_source, channel_medium, channel_campaign and channel_sk to its own
    columns. One definition for the sessions (from their landing event) and for dim_channels
    (from every staged event), so that their keys agree. -#}
{% macro web_channel_attributes(events, channel_groups, referrer_channels) -%}
with referred as (
    select
        {{ events }}.*,
        {{ url_host(events ~ '.referrer') }} as referrer_domain
    from {{ events }}
),

channelled as (
    select
        referred.*,
        coalesce(referred.utm_source, referred.referrer_domain, '(direct)') as channel_source,
        coalesce(
            referred.utm_medium,
            case when referred.referrer_domain is not null then 'referral' else '(none)' end
        ) as channel_medium,
        coalesce(referred.utm_campaign, '(none)') as channel_campaign,
        case
            when referred.utm_medium is not null
                then coalesce(channel_groups.channel_group, 'Other Campaign')
            when referred.referrer_domain is not null
                then coalesce(referrer_channels.channel_group, 'Referral')
            else 'Direct'
        end as channel_group
    from referred
    left join {{ channel_groups }} as channel_groups
        on lower(referred.utm_medium) = channel_groups.utm_medium
    left join {{ referrer_channels }} as referrer_channels
        on referred.referrer_domain = referrer_channels.referrer_domain
)

select
    channelled.*,
    {{ surrogate_key(['channel_group', 'channel_source', 'channel_medium', 'channel_campaign']) }}
        as channel_sk
from channelled
{%- endmacro %}


{#- The device of web events and its dimension key: a select over `events` (with the columns
    device and user_agent) adding device_type, browser, operating_system and device_sk. One
    definition for the sessions and dim_devices, like web_channel_attributes. -#}
{% macro web_device_attributes(events) -%}
with parsed as (
    select
        {{ events }}.*,
        coalesce({{ events }}.device, 'unknown') as device_type,
        {{ user_agent_browser(events ~ '.user_agent') }} as browser,
        {{ user_agent_os(events ~ '.user_agent') }} as operating_system
    from {{ events }}
)

select
    parsed.*,
    {{ surrogate_key(['device_type', 'browser', 'operating_system']) }} as device_sk
from parsed
{%- endmacro %}
