-- Latest version of each part. Grain: one part.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='part_key',
        on_schema_change='append_new_columns'
    )
}}

{{ latest_valid_versions(
    ref('base_erp__part'),
    key_columns=["part_key"],
    columns=[
        "part_key",
        "part_name",
        "manufacturer",
        "brand",
        "part_type",
        "part_size",
        "container",
        "retail_price",
        "part_comment",
        "updated_at",
        "_batch_id",
        "_arrived_at",
    ]
) }}
