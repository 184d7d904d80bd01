-- Every landed collector line that failed validation (not JSON, no event id, bad timestamp,
-- unknown event type, bot traffic, ...), with the reason and the line as it arrived.
-- Grain: one rejected line.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='quarantine_sk',
        on_schema_change='append_new_columns'
    )
}}

with rejected as (
    select
        'events' as entity,
        _invalid_reason as reason,
        _raw_payload as raw_payload,
        _batch_id,
        _record_number
    from {{ ref('base_web__events') }}
    where _invalid_reason is not null
        and _batch_id > {{ batch_watermark() }}
),

final as (
    select
        {{ surrogate_key(
            ['entity', '_batch_id', '_record_number']) }} as quarantine_sk,
        'web' as source_name,
        entity,
        reason,
        raw_payload,
        _batch_id,
        _record_number
    from rejected
)

select * from final
