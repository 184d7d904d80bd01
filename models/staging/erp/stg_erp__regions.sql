-- Latest version of each region. Grain: one region.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='region_key',
        on_schema_change='append_new_columns'
    )
}}

{{ latest_valid_versions(
    ref('base_erp__region'),
    key_columns=["region_key"],
    columns=[
        "region_key",
        "region_name",
        "region_comment",
        "updated_at",
        "_batch_id",
        "_arrived_at",
    ]
) }}
