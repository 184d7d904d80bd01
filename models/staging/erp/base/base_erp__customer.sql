-- Parses the customer extract and flags invalid rows. Grain: one landed record
-- (_batch_id, _record_number).
with source as (
    select * from {{ source('erp', 'customer') }}
    -- on PostgreSQL this model is an incremental table: only batches it has not parsed
    where _batch_id > {{ batch_watermark() }}
),

parsed as (
    select
        source.*,
        {{ safe_parse('c_custkey', 'bigint') }} as customer_key,
        {{ safe_parse('c_nationkey', 'integer') }} as nation_key,
        {{ safe_parse('c_acctbal', 'decimal(15, 2)') }} as account_balance,
        {{ safe_parse('updated_at', 'timestamp') }} as updated_at_ts
    from source
    {{ evaluate_once() }}
),

final as (
    select
        -- keys
        customer_key,
        nation_key,
        -- personal data (restricted: only dim_customers_pii carries it further)
        c_name as customer_name,
        c_address as customer_address,
        c_phone as customer_phone,
        c_comment as customer_comment,
        -- attributes
        c_mktsegment as market_segment,
        account_balance,
        -- metadata
        updated_at_ts as updated_at,
        _batch_id,
        -- the record's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        _arrived_at,
        {{ validation_columns(
            key_checks([["c_custkey", "customer_key"]])
            + value_checks([["c_nationkey", "nation_key"], ["c_acctbal", "account_balance"],
                ["updated_at", "updated_at_ts"]])
            + [code_check("c_mktsegment",
                ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"])],
            payload=raw_payload(["c_custkey", "c_name", "c_address", "c_nationkey", "c_phone",
            "c_acctbal", "c_mktsegment", "c_comment", "updated_at"])) }}
    from parsed
)

select * from final
