-- Parses the nation extract and flags invalid rows. Grain: one landed record
-- (_batch_id, _record_number).
with source as (
    select * from {{ source('erp', 'nation') }}
    -- on PostgreSQL this model is an incremental table: only batches it has not parsed
    where _batch_id > {{ batch_watermark() }}
),

parsed as (
    select
        source.*,
        {{ safe_parse('n_nationkey', 'integer') }} as nation_key,
        {{ safe_parse('n_regionkey', 'integer') }} as region_key,
        {{ safe_parse('updated_at', 'timestamp') }} as updated_at_ts
    from source
    {{ evaluate_once() }}
),

final as (
    select
        -- keys
        nation_key,
        region_key,
        -- attributes
        n_name as nation_name,
        n_comment as nation_comment,
        -- metadata
        updated_at_ts as updated_at,
        _batch_id,
        -- the record's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        _arrived_at,
        {{ validation_columns(
            key_checks([["n_nationkey", "nation_key"]])
            + value_checks([["n_regionkey", "region_key"], ["updated_at", "updated_at_ts"]]),
            payload=raw_payload(["n_nationkey", "n_name", "n_regionkey", "n_comment", "updated_at"])) }}
    from parsed
)

select * from final
