-- Customers as SCD type 2, without personal data. Grain: one customer version (plus the
-- unknown member). Facts point to the version valid at their date (customer_sk, "as was") and
-- carry customer_key for the current version ("as is": filter is_current).
with snapshot as (
    select * from {{ ref('snap_erp__customers') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

versions as (
    select
        {{ scd_version_sk(['customer_key']) }} as customer_sk,
        {{ scd_validity_columns(['customer_key']) }},
        customer_key,
        nation_key,
        market_segment,
        account_balance,
        -- the phone's country prefix identifies the nation, not the person
        substring(customer_phone, 1, 2) as phone_country_code
    from snapshot
),

known as (
    select
        -- keys
        versions.customer_sk,
        versions.customer_key,
        versions.nation_key,
        coalesce(geography.geography_sk, {{ unknown_member_sk() }}) as geography_sk,
        -- attributes
        versions.market_segment,
        versions.account_balance,
        versions.phone_country_code,
        -- validity
        versions.valid_from,
        versions.valid_to,
        versions.is_current,
        versions.is_deleted
    from versions
    left join geography on versions.nation_key = geography.nation_key
),

unknown_member as (
    select
        {{ unknown_member_sk() }} as customer_sk,
        {{ unknown_member_key() }} as customer_key,
        {{ unknown_member_key() }} as nation_key,
        {{ unknown_member_sk() }} as geography_sk,
        'UNKNOWN' as market_segment,
        cast(null as decimal(15, 2)) as account_balance,
        cast(null as varchar) as phone_country_code,
        {{ beginning_of_time() }} as valid_from,
        {{ end_of_time() }} as valid_to,
        true as is_current,
        false as is_deleted
),

final as (
    select * from known
    union all
    select * from unknown_member
)

select * from final
