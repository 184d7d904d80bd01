-- Parses the part extract and flags invalid rows. Grain: one landed record
-- (_batch_id, _record_number).
with source as (
    select * from {{ source('erp', 'part') }}
    -- on PostgreSQL this model is an incremental table: only batches it has not parsed
    where _batch_id > {{ batch_watermark() }}
),

parsed as (
    select
        source.*,
        {{ safe_parse('p_partkey', 'bigint') }} as part_key,
        {{ safe_parse('p_size', 'integer') }} as part_size,
        {{ safe_parse('p_retailprice', 'decimal(15, 2)') }} as retail_price,
        {{ safe_parse('updated_at', 'timestamp') }} as updated_at_ts
    from source
    {{ evaluate_once() }}
),

final as (
    select
        -- key
        part_key,
        -- attributes
        p_name as part_name,
        p_mfgr as manufacturer,
        p_brand as brand,
        p_type as part_type,
        part_size,
        p_container as container,
        retail_price,
        p_comment as part_comment,
        -- metadata
        updated_at_ts as updated_at,
        _batch_id,
        -- the record's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        _arrived_at,
        {{ validation_columns(
            key_checks([["p_partkey", "part_key"]])
            + value_checks([["p_size", "part_size"], ["p_retailprice", "retail_price"],
                ["updated_at", "updated_at_ts"]]),
            payload=raw_payload(["p_partkey", "p_name", "p_mfgr", "p_brand", "p_type", "p_size",
            "p_container", "p_retailprice", "p_comment", "updated_at"])) }}
    from parsed
)

select * from final
