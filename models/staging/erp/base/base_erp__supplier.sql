-- Parses the supplier extract and flags invalid rows. Grain: one landed record
-- (_batch_id, _record_number).
with source as (
    select * from {{ source('erp', 'supplier') }}
    -- on PostgreSQL this model is an incremental table: only batches it has not parsed
    where _batch_id > {{ batch_watermark() }}
),

parsed as (
    select
        source.*,
        {{ safe_parse('s_suppkey', 'bigint') }} as supplier_key,
        {{ safe_parse('s_nationkey', 'integer') }} as nation_key,
        {{ safe_parse('s_acctbal', 'decimal(15, 2)') }} as account_balance,
        {{ safe_parse('updated_at', 'timestamp') }} as updated_at_ts
    from source
    {{ evaluate_once() }}
),

final as (
    select
        -- keys
        supplier_key,
        nation_key,
        -- attributes (suppliers are businesses: their contact data is not personal data)
        s_name as supplier_name,
        s_address as supplier_address,
        s_phone as supplier_phone,
        account_balance,
        s_comment as supplier_comment,
        -- metadata
        updated_at_ts as updated_at,
        _batch_id,
        -- the record's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        _arrived_at,
        {{ validation_columns(
            key_checks([["s_suppkey", "supplier_key"]])
            + value_checks([["s_nationkey", "nation_key"], ["s_acctbal", "account_balance"],
                ["updated_at", "updated_at_ts"]]),
            payload=raw_payload(["s_suppkey", "s_name", "s_address", "s_nationkey", "s_phone",
            "s_acctbal", "s_comment", "updated_at"])) }}
    from parsed
)

select * from final
