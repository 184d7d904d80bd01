-- Nothing is lost in any batch this run reads for the first time (every batch on a full
-- refresh; claim_batches_to_reconcile says how a run claims them): per source table and batch,
--   landed (the manifest's rows) = read + re-sent (files skipped as copies of earlier ones),
--   read = valid + invalid, every valid key of the batch is in staging (staged from this
--   batch, or superseded or duplicated by a version staged from another), and
--   invalid = quarantined.
-- A batch that does not reconcile fails the test with a message naming the table, the batch
-- and the counts; the rows returned are the same.
{%- set tables = [
    ('erp', 'region', 'base_erp__region', 'stg_erp__regions', ['region_key'], 'stg_erp__quarantine'),
    ('erp', 'nation', 'base_erp__nation', 'stg_erp__nations', ['nation_key'], 'stg_erp__quarantine'),
    ('erp', 'customer', 'base_erp__customer', 'stg_erp__customers', ['customer_key'], 'stg_erp__quarantine'),
    ('erp', 'supplier', 'base_erp__supplier', 'stg_erp__suppliers', ['supplier_key'], 'stg_erp__quarantine'),
    ('erp', 'part', 'base_erp__part', 'stg_erp__parts', ['part_key'], 'stg_erp__quarantine'),
    ('erp', 'partsupp', 'base_erp__partsupp', 'stg_erp__partsupps', ['part_key', 'supplier_key'], 'stg_erp__quarantine'),
    ('erp', 'orders', 'base_erp__orders', 'stg_erp__orders', ['order_key'], 'stg_erp__quarantine'),
    ('erp', 'lineitem', 'base_erp__lineitem', 'stg_erp__order_lines', ['order_key', 'line_number'], 'stg_erp__quarantine'),
    ('web', 'events', 'base_web__events', 'stg_web__events', ['event_id'], 'stg_web__quarantine'),
] %}

{%- set batches = batches_to_reconcile().rows if execute else [] %}
{%- set recorded = [] %}
{%- set batch_ids = {} %}
{%- for source_name, entity, batch_id, landed_rows, resent_rows in batches %}
    {%- do recorded.append("('" ~ source_name ~ "', '" ~ entity ~ "', " ~ batch_id ~ ", "
        ~ landed_rows ~ ", " ~ resent_rows ~ ")") %}
    {%- do batch_ids.setdefault(source_name ~ '.' ~ entity, []).append(batch_id | string) %}
{%- endfor %}

with recorded as (
    {%- if recorded %}
    select * from (values {{ recorded | join(', ') }})
        as claimed (source_name, entity, batch_id, landed_rows, resent_rows)
    {%- else %}
    select
        cast(null as varchar) as source_name,
        cast(null as varchar) as entity,
        0 as batch_id,
        0 as landed_rows,
        0 as resent_rows
    where false
    {%- endif %}
),

counts as (
    {%- for source_name, entity, base, staging, keys, quarantine in tables %}
    {%- set ids = batch_ids.get(source_name ~ '.' ~ entity, ['-1']) | join(', ') %}
    select
        recorded.*,
        coalesce(landed.read_rows, 0) as read_rows,
        coalesce(landed.valid_rows, 0) as valid_rows,
        coalesce(staged.staged_rows, 0) as staged_rows,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows,
        coalesce(lost.lost_keys, 0) as lost_keys
    from recorded
    left join (
        select
            _batch_id as batch_id,
            count(*) as read_rows,
            sum(case when _invalid_reason is null then 1 else 0 end) as valid_rows
        from {{ ref(base) }}
        where _batch_id in ({{ ids }})
        group by _batch_id
    ) as landed on recorded.batch_id = landed.batch_id
    left join (
        select _batch_id as batch_id, count(*) as staged_rows
        from {{ ref(staging) }}
        where _batch_id in ({{ ids }})
        group by _batch_id
    ) as staged on recorded.batch_id = staged.batch_id
    left join (
        select _batch_id as batch_id, count(*) as quarantined_rows
        from {{ ref(quarantine) }}
        where entity = '{{ entity }}' and _batch_id in ({{ ids }})
        group by _batch_id
    ) as quarantined on recorded.batch_id = quarantined.batch_id
    left join (
        -- valid keys of the batch with no row in staging
        select valid_keys.batch_id, count(*) as lost_keys
        from (
            select distinct _batch_id as batch_id, {{ keys | join(', ') }}
            from {{ ref(base) }}
            where _invalid_reason is null and _batch_id in ({{ ids }})
        ) as valid_keys
        left join {{ ref(staging) }} as staged_keys
            on {% for key in keys %}valid_keys.{{ key }} = staged_keys.{{ key }}{{ " and " if not loop.last }}{% endfor %}
        where staged_keys.{{ keys[0] }} is null
        group by valid_keys.batch_id
    ) as lost on recorded.batch_id = lost.batch_id
    where recorded.source_name = '{{ source_name }}' and recorded.entity = '{{ entity }}'
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

differences as (
    select
        *,
        source_name || '.' || entity || ', batch ' || cast(batch_id as varchar)
        || ' does not reconcile: landed ' || cast(landed_rows as varchar)
        || ', read ' || cast(read_rows as varchar)
        || ' + re-sent ' || cast(resent_rows as varchar)
        || '; valid ' || cast(valid_rows as varchar)
        || ' (staged from this batch ' || cast(staged_rows as varchar)
        || ', valid keys missing from staging ' || cast(lost_keys as varchar)
        || '), invalid ' || cast(read_rows - valid_rows as varchar)
        || ', quarantined ' || cast(quarantined_rows as varchar) as difference
    from counts
    where landed_rows <> read_rows + resent_rows
        or lost_keys > 0
        or staged_rows > valid_rows
        or read_rows - valid_rows <> quarantined_rows
)

select
    *,
    {{ fail_with('difference') }} as failure
from differences
