-- Parses the region extract and flags invalid rows. Grain: one landed record
-- (_batch_id, _record_number).
with source as (
    select * from {{ source('erp', 'region') }}
    -- on PostgreSQL this model is an incremental table: only batches it has not parsed
    where _batch_id > {{ batch_watermark() }}
),

parsed as (
    select
        source.*,
        {{ safe_parse('r_regionkey', 'integer') }} as region_key,
        {{ safe_parse('updated_at', 'timestamp') }} as updated_at_ts
    from source
    {{ evaluate_once() }}
),

final as (
    select
        -- key
        region_key,
        -- attributes
        r_name as region_name,
        r_comment as region_comment,
        -- metadata
        updated_at_ts as updated_at,
        _batch_id,
        -- the record's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        _arrived_at,
        {{ validation_columns(
            key_checks([["r_regionkey", "region_key"]])
            + value_checks([["updated_at", "updated_at_ts"]]),
            payload=raw_payload(["r_regionkey", "r_name", "r_comment", "updated_at"])) }}
    from parsed
)

select * from final
