-- Availability and supply cost of each part at each supplier over time.
-- Grain: one version of a part-supplier offer; is_current marks today's offer.
-- Keys: inventory_sk; part_key and supplier_key, the offer. Inputs: snap_erp__partsupps,
-- dim_parts and dim_suppliers, with snap_erp__parts and snap_erp__suppliers for what changed.
-- Incremental: an offer is rebuilt whole (delete+insert on part_key, supplier_key) when it has
-- a new version, or when its part or supplier has a new version covering one of its versions'
-- start (new_snapshot_versions); a full refresh gives the same rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['part_key', 'supplier_key'],
        on_schema_change='append_new_columns',
        indexes=postgres_indexes(['part_sk', 'supplier_sk'])
    )
}}

-- depends_on: {{ ref('snap_erp__parts') }}
-- depends_on: {{ ref('snap_erp__suppliers') }}
{%- set watermark = batch_watermark() %}

with snapshot_offers as (
    select * from {{ ref('snap_erp__partsupps') }}
),

parts as (
    select * from {{ ref('dim_parts') }}
),

suppliers as (
    select * from {{ ref('dim_suppliers') }}
),

{% if is_incremental() %}
    -- the offers this run rebuilds: those with new versions, and those whose part or supplier
    -- has a new version covering one of their versions' start (the version they point to moves)
    part_versions as (
        {{ new_snapshot_versions(ref('snap_erp__parts'), 'part_key', watermark) }}
    ),

    supplier_versions as (
        {{ new_snapshot_versions(ref('snap_erp__suppliers'), 'supplier_key', watermark) }}
    ),

    changed_offers as (
        select
            part_key,
            supplier_key
        from snapshot_offers
        where _batch_id > {{ watermark }}
        {% for dimension_key, changes in [
            ('part_key', 'part_versions'), ('supplier_key', 'supplier_versions')] %}
            union all
            select
                built.part_key,
                built.supplier_key
            from {{ this }} as built
            inner join {{ changes }}
                on built.{{ dimension_key }} = {{ changes }}.{{ dimension_key }}
                and built.valid_from >= {{ changes }}.changed_from
        {% endfor %}
    ),
{% endif %}

offers as (
    select * from snapshot_offers
    {% if is_incremental() %}
        where exists (
            select 1 from changed_offers
            where
                changed_offers.part_key = snapshot_offers.part_key
                and changed_offers.supplier_key = snapshot_offers.supplier_key
        )
    {% endif %}
),

versions as (
    select
        {{ scd_version_sk(['part_key', 'supplier_key']) }} as inventory_sk,
        part_key,
        supplier_key,
        available_quantity,
        supply_cost,
        partsupp_comment,
        _batch_id,
        {{ scd_validity_columns(['part_key', 'supplier_key']) }}
    from offers
),

final as (
    select
        -- keys
        versions.inventory_sk,
        -- foreign keys: versions valid when this offer version started
        coalesce(parts.part_sk, {{ unknown_member_sk() }}) as part_sk,
        coalesce(suppliers.supplier_sk, {{ unknown_member_sk() }}) as supplier_sk,
        versions.part_key,
        versions.supplier_key,
        -- measures
        versions.available_quantity,
        versions.supply_cost,
        cast(versions.available_quantity * versions.supply_cost as decimal(18, 2))
            as inventory_value,
        -- attributes
        versions.partsupp_comment,
        -- validity
        versions.valid_from,
        versions.valid_to,
        versions.is_current,
        versions.is_deleted,
        -- metadata
        versions._batch_id
    from versions
    left join parts
        on versions.part_key = parts.part_key
        and {{ valid_at('parts', 'versions.valid_from') }}
    left join suppliers
        on versions.supplier_key = suppliers.supplier_key
        and {{ valid_at('suppliers', 'versions.valid_from') }}
)

select * from final
