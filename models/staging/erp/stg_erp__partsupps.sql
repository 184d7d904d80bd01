-- Latest version of each part-supplier offer. Grain: one part and supplier.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=["part_key", "supplier_key"],
        on_schema_change='append_new_columns'
    )
}}

{{ latest_valid_versions(
    ref('base_erp__partsupp'),
    key_columns=["part_key", "supplier_key"],
    columns=[
        "part_key",
        "supplier_key",
        "available_quantity",
        "supply_cost",
        "partsupp_comment",
        "updated_at",
        "_batch_id",
        "_arrived_at",
    ]
) }}
