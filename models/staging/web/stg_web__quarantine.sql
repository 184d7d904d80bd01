-- Every landed collector line that failed validation (not JSON, no event id, bad timestamp,
-- unknown event type, bot traffic, ...), with the reason and the line as it arrived.
-- Grain: one rejected line.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='quarantine_sk'
    )
}}

with rejected as (
    select
        'events' as entity,
        _invalid_reason as reason,
        _raw_payload as raw_payload,
        _batch_id
    from {{ ref('base_web__events') }}
    where _invalid_reason is not null
        and _batch_id > {{ batch_watermark() }}
),

numbered as (
    -- identical rejected lines in one batch stay separate rows
    select
        rejected.*,
        row_number() over (
            partition by rejected.entity, rejected._batch_id, rejected.raw_payload
            order by rejected.reason
        ) as copy_number
    from rejected
),

final as (
    select
        {{ dbt_utils.generate_surrogate_key(
            ['entity', '_batch_id', 'raw_payload', 'copy_number']) }} as quarantine_sk,
        'web' as source_name,
        entity,
        reason,
        raw_payload,
        _batch_id
    from numbered
)

select * from final
