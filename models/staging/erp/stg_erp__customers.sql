-- Latest version of each customer (with personal data: restricted). Grain: one customer.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_key',
        on_schema_change='append_new_columns'
    )
}}

{{ latest_valid_versions(
    ref('base_erp__customer'),
    key_columns=["customer_key"],
    columns=[
        "customer_key",
        "nation_key",
        "customer_name",
        "customer_address",
        "customer_phone",
        "customer_comment",
        "market_segment",
        "account_balance",
        "updated_at",
        "_batch_id",
        "_arrived_at",
    ]
) }}
