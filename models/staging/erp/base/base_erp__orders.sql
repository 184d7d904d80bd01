-- Parses the orders extract and flags invalid rows. Grain: one landed record
-- (_batch_id, _record_number).
with source as (
    select * from {{ source('erp', 'orders') }}
    -- on PostgreSQL this model is an incremental table: only batches it has not parsed
    where _batch_id > {{ batch_watermark() }}
),

parsed as (
    select
        source.*,
        {{ safe_parse('o_orderkey', 'bigint') }} as order_key,
        {{ safe_parse('o_custkey', 'bigint') }} as customer_key,
        {{ safe_parse('o_totalprice', 'decimal(15, 2)') }} as total_price,
        {{ safe_parse('o_orderdate', 'date') }} as order_date,
        {{ safe_parse('o_shippriority', 'integer') }} as ship_priority,
        {{ safe_parse('updated_at', 'timestamp') }} as updated_at_ts,
        -- added to the extract on 1996-01-01: null in older batches
        {{ column_if_present(source('erp', 'orders'), 'o_source_channel', 'varchar') }}
            as source_channel
    from source
    {{ evaluate_once() }}
),

final as (
    select
        -- keys
        order_key,
        customer_key,
        -- attributes
        o_orderstatus as order_status,
        order_date,
        o_orderpriority as order_priority,
        o_clerk as clerk,
        ship_priority,
        o_comment as order_comment,
        source_channel,
        -- measures
        total_price,
        -- metadata
        updated_at_ts as updated_at,
        _batch_id,
        -- the record's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        _arrived_at,
        {{ validation_columns(
            key_checks([["o_orderkey", "order_key"]])
            + value_checks([["o_custkey", "customer_key"], ["o_totalprice", "total_price"],
                ["o_orderdate", "order_date"], ["o_shippriority", "ship_priority"],
                ["updated_at", "updated_at_ts"]])
            + [code_check("o_orderstatus", ["O", "F", "P"])],
            payload=raw_payload(["o_orderkey", "o_custkey", "o_orderstatus", "o_totalprice",
            "o_orderdate", "o_orderpriority", "o_clerk", "o_shippriority", "o_comment",
            "source_channel", "updated_at"])) }}
    from parsed
)

select * from final
