-- Availability and supply cost of each part at each supplier over time.
-- Grain: one version of a part-supplier offer; is_current marks today's offer.
{{
    config(
        indexes=postgres_indexes(['part_sk', 'supplier_sk'])
    )
}}

with offers as (
    select * from {{ ref('snap_erp__partsupps') }}
),

parts as (
    select * from {{ ref('dim_parts') }}
),

suppliers as (
    select * from {{ ref('dim_suppliers') }}
),

versions as (
    select
        {{ scd_version_sk(['part_key', 'supplier_key']) }} as inventory_sk,
        part_key,
        supplier_key,
        available_quantity,
        supply_cost,
        partsupp_comment,
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
        versions.is_deleted
    from versions
    left join parts
        on versions.part_key = parts.part_key
        and {{ valid_at('parts', 'versions.valid_from') }}
    left join suppliers
        on versions.supplier_key = suppliers.supplier_key
        and {{ valid_at('suppliers', 'versions.valid_from') }}
)

select * from final
