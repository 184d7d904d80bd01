-- Every landed erp record that failed validation, with the reason and its raw values.
-- Grain: one rejected record. Nothing is dropped silently: landed = staged + superseded or
-- duplicate + quarantined (see tests/singular/assert_erp_records_reconcile.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='quarantine_sk',
        on_schema_change='append_new_columns'
    )
}}

{%- set entities = [
    'region', 'nation', 'customer', 'supplier', 'part', 'partsupp', 'orders', 'lineitem',
] %}

with rejected as (
    {%- for entity in entities %}
        select
            '{{ entity }}' as entity,
            _invalid_reason as reason,
            _raw_payload as raw_payload,
            _batch_id,
            _record_number,
            _arrived_at
        from {{ ref('base_erp__' ~ entity) }}
        where _invalid_reason is not null
            and _batch_id > {{ batch_watermark() }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        {{ surrogate_key(
            ['entity', '_batch_id', '_record_number']) }} as quarantine_sk,
        'erp' as source_name,
        entity,
        reason,
        raw_payload,
        _batch_id,
        _record_number,
        _arrived_at
    from rejected
)

select * from final
