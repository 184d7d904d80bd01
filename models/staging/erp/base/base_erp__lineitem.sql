-- Parses the order line extract and flags invalid rows. Grain: one landed record
-- (_batch_id, _record_number).
with source as (
    select * from {{ source('erp', 'lineitem') }}
    -- on PostgreSQL this model is an incremental table: only batches it has not parsed
    where _batch_id > {{ batch_watermark() }}
),

parsed as (
    select
        source.*,
        {{ safe_parse('l_orderkey', 'bigint') }} as order_key,
        {{ safe_parse('l_linenumber', 'integer') }} as line_number,
        {{ safe_parse('l_partkey', 'bigint') }} as part_key,
        {{ safe_parse('l_suppkey', 'bigint') }} as supplier_key,
        {{ safe_parse('l_quantity', 'decimal(15, 2)') }} as quantity,
        {{ safe_parse('l_extendedprice', 'decimal(15, 2)') }} as extended_price,
        {{ safe_parse('l_discount', 'decimal(15, 2)') }} as discount,
        {{ safe_parse('l_tax', 'decimal(15, 2)') }} as tax,
        {{ safe_parse('l_shipdate', 'date') }} as ship_date,
        {{ safe_parse('l_commitdate', 'date') }} as commit_date,
        {{ safe_parse('l_receiptdate', 'date') }} as receipt_date,
        {{ safe_parse('updated_at', 'timestamp') }} as updated_at_ts
    from source
    {{ evaluate_once() }}
),

final as (
    select
        -- keys
        order_key,
        line_number,
        part_key,
        supplier_key,
        -- measures
        quantity,
        extended_price,
        discount,
        tax,
        -- attributes
        l_returnflag as return_flag,
        l_linestatus as line_status,
        ship_date,
        commit_date,
        receipt_date,
        l_shipinstruct as ship_instructions,
        l_shipmode as ship_mode,
        l_comment as line_comment,
        -- metadata
        updated_at_ts as updated_at,
        _batch_id,
        -- the record's position in its batch's file, from 1
        file_row_number + 1 as _record_number,
        _arrived_at,
        {{ validation_columns(
            key_checks([["l_orderkey", "order_key"], ["l_linenumber", "line_number"]])
            + value_checks([["l_partkey", "part_key"], ["l_suppkey", "supplier_key"],
                ["l_quantity", "quantity"], ["l_extendedprice", "extended_price"],
                ["l_discount", "discount"], ["l_tax", "tax"]])
            + value_checks([["l_shipdate", "ship_date"]], required=false)
            + value_checks([["l_commitdate", "commit_date"]])
            + value_checks([["l_receiptdate", "receipt_date"]], required=false)
            + value_checks([["updated_at", "updated_at_ts"]])
            + [code_check("l_returnflag", ["R", "A", "N"]), code_check("l_linestatus", ["O", "F"])],
            payload=raw_payload(["l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity",
            "l_extendedprice", "l_discount", "l_tax", "l_returnflag", "l_linestatus",
            "l_shipdate", "l_commitdate", "l_receiptdate", "l_shipinstruct", "l_shipmode",
            "l_comment", "updated_at"])) }}
    from parsed
)

select * from final
