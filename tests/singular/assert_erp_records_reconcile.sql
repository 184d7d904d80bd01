-- Nothing is lost between landing and staging: for every erp entity, the distinct keys of the
-- valid landed records are exactly the rows of its staging model, and every invalid landed
-- record is in the quarantine. Returns one row per entity that does not reconcile.
{%- set entities = [
    ('region', 'stg_erp__regions', ['region_key']),
    ('nation', 'stg_erp__nations', ['nation_key']),
    ('customer', 'stg_erp__customers', ['customer_key']),
    ('supplier', 'stg_erp__suppliers', ['supplier_key']),
    ('part', 'stg_erp__parts', ['part_key']),
    ('partsupp', 'stg_erp__partsupps', ['part_key', 'supplier_key']),
    ('orders', 'stg_erp__orders', ['order_key']),
    ('lineitem', 'stg_erp__order_lines', ['order_key', 'line_number']),
] %}

with counts as (
    {%- for entity, staging_model, keys in entities %}
        select
            '{{ entity }}' as entity,
            -- a distinct count of the key as one value is a sort on every engine; a distinct
            -- subquery let PostgreSQL plan a hash aggregate from its estimate of the distinct
            -- keys (a tenth of the 17.8 M order lines at SF 1), which spilled for 16 minutes
            (
                select count(distinct row({{ keys | join(", ") }}))
                from {{ ref('base_erp__' ~ entity) }}
                where _invalid_reason is null
            ) as landed_valid_keys,
            (select count(*) from {{ ref(staging_model) }}) as staged_rows,
            (
                select count(*) from {{ ref('base_erp__' ~ entity) }}
                where _invalid_reason is not null
            ) as landed_invalid,
            (
                select count(*) from {{ ref('stg_erp__quarantine') }}
                where entity = '{{ entity }}'
            ) as quarantined
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select *
from counts
where landed_valid_keys <> staged_rows
    or landed_invalid <> quarantined
