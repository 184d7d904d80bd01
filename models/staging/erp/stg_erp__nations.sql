-- Latest version of each nation. Grain: one nation.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='nation_key',
        on_schema_change='append_new_columns'
    )
}}

{{ latest_valid_versions(
    ref('base_erp__nation'),
    key_columns=["nation_key"],
    columns=[
        "nation_key",
        "region_key",
        "nation_name",
        "nation_comment",
        "updated_at",
        "_batch_id",
        "_arrived_at",
    ]
) }}
