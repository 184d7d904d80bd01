-- Parses the part-supplier offer extract and flags invalid rows. Grain: one landed record.
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
        _arrived_at,
        {{ validation_columns([
            ["ps_partkey is null or ps_suppkey is null", "missing_key"],
            [failed_parse("ps_partkey", "part_key"), "bad_type"],
            [failed_parse("ps_suppkey", "supplier_key"), "bad_type"],
            ["available_quantity is null", "bad_type"],
            ["supply_cost is null", "bad_type"],
            ["updated_at_ts is null", "bad_type"],
        ], payload=raw_payload(["ps_partkey", "ps_suppkey", "ps_availqty", "ps_supplycost",
            "ps_comment", "updated_at"])) }}
    from parsed
)

select * from final
