-- Parses every landed collector line and flags the ones that cannot be used.
-- Grain: one landed line, duplicates included (_batch_id, _record_number).
{%- set fields = [
    'event_id', 'event_type', 'anonymous_id', 'customer_key', 'client_ts', 'collector_ts',
    'page_url', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'device',
    'user_agent', 'ip_address', 'consent', 'order_key', 'part_key', 'search_query',
    'page_load_ms',
] %}

with source as (
    -- a view on every engine: its readers' filters on the batch reach the raw lines
    select
        raw_line,
        {{ landed_batch_id() }} as _batch_id,
        file_row_number
    from {{ source('web', 'events') }}
),

documents as (
    select * from {{ with_computed('source', [[json_document('raw_line', fields), 'doc']]) }}
),

fields as (
    select
        raw_line,
        doc,
        _batch_id,
        file_row_number,
        {{ json_field('doc', 'event_id') }} as event_id,
        {{ json_field('doc', 'event_type') }} as event_type,
        {{ json_field('doc', 'anonymous_id') }} as anonymous_id,
        {{ json_field('doc', 'customer_key') }} as customer_key_text,
        {{ json_field('doc', 'client_ts') }} as client_ts_text,
        {{ json_field('doc', 'collector_ts') }} as collector_ts_text,
        {{ json_field('doc', 'page_url') }} as page_url,
        {{ json_field('doc', 'referrer') }} as referrer,
        {{ json_field('doc', 'utm_source') }} as utm_source,
        {{ json_field('doc', 'utm_medium') }} as utm_medium,
        {{ json_field('doc', 'utm_campaign') }} as utm_campaign,
        {{ json_field('doc', 'device') }} as device,
        {{ json_field('doc', 'user_agent') }} as user_agent,
        {{ json_field('doc', 'ip_address') }} as ip_address,
        {{ json_field('doc', 'consent') }} as consent_text,
        {{ json_field('doc', 'order_key') }} as order_key_text,
        {{ json_field('doc', 'part_key') }} as part_key_text,
        {{ json_field('doc', 'search_query') }} as search_query,
        -- present from mid-1996 on (schema drift): null before
        {{ json_field('doc', 'page_load_ms') }} as page_load_ms_text
    from documents
),

parsed as (
    select * from {{ with_computed('fields', [
        [safe_parse('customer_key_text', 'bigint'), 'customer_key'],
        [safe_parse("replace(client_ts_text, 'Z', '')", 'timestamp'), 'client_ts'],
        [safe_parse("replace(collector_ts_text, 'Z', '')", 'timestamp'), 'collector_ts'],
        [safe_parse('consent_text', 'boolean'), 'consent'],
        [safe_parse('order_key_text', 'bigint'), 'order_key'],
        [safe_parse('part_key_text', 'bigint'), 'part_key'],
        [safe_parse('page_load_ms_text', 'integer'), 'page_load_ms'],
    ]) }}
),

final as (
    select
        -- keys
        event_id,
        anonymous_id,
        customer_key,
        order_key,
        part_key,
        -- attributes
        event_type,
        client_ts,
        collector_ts,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device,
        user_agent,
        -- the raw IP address never leaves this view: only its pseudonym does
        {{ pseudonymise('ip_address') }} as ip_hash,
        consent,
        search_query,
        page_load_ms,
        -- metadata
        _batch_id,
        -- the line's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        {{ validation_columns([
            ["doc is null", "not_json"],
            ["event_id is null or event_id = ''", "missing_event_id"],
            ["client_ts is null", "bad_timestamp:client_ts"],
            [failed_parse("collector_ts_text", "collector_ts"), "bad_timestamp:collector_ts"],
            [failed_parse("customer_key_text", "customer_key"), "bad_type:customer_key"],
            [failed_parse("order_key_text", "order_key"), "bad_type:order_key"],
            [failed_parse("part_key_text", "part_key"), "bad_type:part_key"],
            ["anonymous_id is null", "missing_anonymous_id"],
            ["event_type is null or event_type not in ('page_view', 'search', 'product_view', 'add_to_cart', 'login', 'checkout', 'purchase')", "unknown_event_type"],
            ["event_type = 'purchase' and order_key is null", "purchase_without_order"],
            ["lower(user_agent) like '%bot%' or lower(user_agent) like '%crawler%' or lower(user_agent) like '%spider%'", "bot_traffic"],
        ], payload="coalesce(raw_line, '')") }}
    from parsed
)

select * from final
