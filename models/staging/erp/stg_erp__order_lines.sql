-- Latest version of each order line. Grain: one order line.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=["order_key", "line_number"],
        on_schema_change='append_new_columns'
    )
}}

{{ latest_valid_versions(
    ref('base_erp__lineitem'),
    key_columns=["order_key", "line_number"],
    columns=[
        "order_key",
        "line_number",
        "part_key",
        "supplier_key",
        "quantity",
        "extended_price",
        "discount",
        "tax",
        "return_flag",
        "line_status",
        "ship_date",
        "commit_date",
        "receipt_date",
        "ship_instructions",
        "ship_mode",
        "line_comment",
        "updated_at",
        "_batch_id",
        "_arrived_at",
    ]
) }}
