-- Parses the part-supplier offer extract and flags invalid rows. Grain: one landed record
-- (_batch_id, _record_number).
with source as (
    select * from {{ source('erp', 'partsupp') }}
    -- on PostgreSQL this model is an incremental table: only batches it has not parsed
    where _batch_id > {{ batch_watermark() }}
),

parsed as (
    select
        source.*,
        {{ safe_parse('ps_partkey', 'bigint') }} as part_key,
        {{ safe_parse('ps_suppkey', 'bigint') }} as supplier_key,
        {{ safe_parse('ps_availqty', 'integer') }} as available_quantity,
        {{ safe_parse('ps_supplycost', 'decimal(15, 2)') }} as supply_cost,
        {{ safe_parse('updated_at', 'timestamp') }} as updated_at_ts
    from source
    {{ evaluate_once() }}
),

final as (
    select
        -- keys
        part_key,
        supplier_key,
        -- measures
        available_quantity,
        supply_cost,
        -- attributes
        ps_comment as partsupp_comment,
        -- metadata
        updated_at_ts as updated_at,
        _batch_id,
        -- the record's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        _arrived_at,
        {{ validation_columns(
            key_checks([["ps_partkey", "part_key"], ["ps_suppkey", "supplier_key"]])
            + value_checks([["ps_availqty", "available_quantity"], ["ps_supplycost", "supply_cost"],
                ["updated_at", "updated_at_ts"]]),
            payload=raw_payload(["ps_partkey", "ps_suppkey", "ps_availqty", "ps_supplycost",
            "ps_comment", "updated_at"])) }}
    from parsed
)

select * from final
