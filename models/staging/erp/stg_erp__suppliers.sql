-- Latest version of each supplier. Grain: one supplier.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='supplier_key',
        on_schema_change='append_new_columns'
    )
}}

{{ latest_valid_versions(
    ref('base_erp__supplier'),
    key_columns=["supplier_key"],
    columns=[
        "supplier_key",
        "nation_key",
        "supplier_name",
        "supplier_address",
        "supplier_phone",
        "account_balance",
        "supplier_comment",
        "updated_at",
        "_batch_id",
        "_arrived_at",
    ]
) }}
