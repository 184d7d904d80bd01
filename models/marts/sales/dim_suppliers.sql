-- Suppliers as SCD type 2. Grain: one supplier version (plus the unknown member).
with snapshot as (
    select * from {{ ref('snap_erp__suppliers') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

known as (
    select
        {{ scd_version_sk(['supplier_key']) }} as supplier_sk,
        {{ scd_validity_columns(['supplier_key']) }},
        snapshot.supplier_key,
        snapshot.nation_key,
        coalesce(geography.geography_sk, {{ unknown_member_sk() }}) as geography_sk,
        snapshot.supplier_name,
        snapshot.supplier_address,
        snapshot.supplier_phone,
        snapshot.account_balance,
        snapshot.supplier_comment
    from snapshot
    left join geography on snapshot.nation_key = geography.nation_key
),

unknown_member as (
    select
        {{ unknown_member_sk() }} as supplier_sk,
        {{ beginning_of_time() }} as valid_from,
        {{ end_of_time() }} as valid_to,
        true as is_current,
        false as is_deleted,
        {{ unknown_member_key() }} as supplier_key,
        {{ unknown_member_key() }} as nation_key,
        {{ unknown_member_sk() }} as geography_sk,
        'UNKNOWN' as supplier_name,
        cast(null as varchar) as supplier_address,
        cast(null as varchar) as supplier_phone,
        cast(null as decimal(15, 2)) as account_balance,
        cast(null as varchar) as supplier_comment
),

unioned as (
    select * from known
    union all
    select * from unknown_member
),

final as (
    select
        -- keys
        supplier_sk,
        supplier_key,
        nation_key,
        geography_sk,
        -- attributes
        supplier_name,
        supplier_address,
        supplier_phone,
        account_balance,
        supplier_comment,
        -- validity
        valid_from,
        valid_to,
        is_current,
        is_deleted
    from unioned
)

select * from final
