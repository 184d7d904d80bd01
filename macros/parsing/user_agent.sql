{#- Browser family of a user agent string (portable LIKE rules; order matters). -#}
{% macro user_agent_browser(user_agent) -%}
    case
        when {{ user_agent }} is null then 'Unknown'
        when {{ user_agent }} like '%Edg/%' then 'Edge'
        when {{ user_agent }} like '%OPR/%' then 'Opera'
        when {{ user_agent }} like '%Firefox/%' then 'Firefox'
        when {{ user_agent }} like '%Chrome/%' or {{ user_agent }} like '%CriOS/%' then 'Chrome'
        when {{ user_agent }} like '%Safari/%' then 'Safari'
        else 'Other'
    end
{%- endmacro %}

{#- Operating system family of a user agent string. -#}
{% macro user_agent_os(user_agent) -%}
    case
        when {{ user_agent }} is null then 'Unknown'
        when {{ user_agent }} like '%Android%' then 'Android'
        when {{ user_agent }} like '%iPhone%' or {{ user_agent }} like '%iPad%' then 'iOS'
        when {{ user_agent }} like '%Windows%' then 'Windows'
        when {{ user_agent }} like '%Mac OS X%' or {{ user_agent }} like '%Macintosh%' then 'macOS'
        when {{ user_agent }} like '%Linux%' then 'Linux'
        else 'Other'
    end
{%- endmacro %}
