-- Latest version of each order header. Grain: one order.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_key',
        on_schema_change='append_new_columns'
    )
}}

{{ latest_valid_versions(
    ref('base_erp__orders'),
    key_columns=["order_key"],
    columns=[
        "order_key",
        "customer_key",
        "order_status",
        "order_date",
        "order_priority",
        "clerk",
        "ship_priority",
        "order_comment",
        "source_channel",
        "total_price",
        "updated_at",
        "_batch_id",
        "_arrived_at",
    ]
) }}
