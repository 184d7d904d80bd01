-- Latest version of each supplier. Grain: one supplier.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='supplier_key',
        on_schema_change='append_new_columns'
    )
}}

{#- the columns this model stages, in order -#}
{%- set staged_columns = [
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
] %}

with arrived as (
    -- the valid records of the batches landed since this model last ran
    select
        {{ staged_columns | join(',\n        ') }}
    from {{ ref('base_erp__supplier') }}
    where _invalid_reason is null
        and _batch_id > {{ batch_watermark() }}
),

candidates as (
    -- and, on an incremental run, the staged version of every key that arrived again
    select * from arrived
    {{ staged_versions_of_arrived_keys(staged_columns, ['supplier_key']) }}
),

ranked as (
    -- per key, the newest change wins, then the newest batch, then the latest arrival: a
    -- duplicate or a version that arrives after its successor never does
    select
        *,
        row_number() over (
            partition by supplier_key
            order by updated_at desc, _batch_id desc, _arrived_at desc
        ) as version_rank
    from candidates
),

final as (
    select
        {{ staged_columns | join(',\n        ') }}
    from ranked
    where version_rank = 1
)

select * from final
