-- Nations with their region and ISO codes. Grain: one nation (plus the unknown member).
with nations as (
    select * from {{ ref('stg_erp__nations') }}
),

regions as (
    select * from {{ ref('stg_erp__regions') }}
),

iso_codes as (
    select * from {{ ref('nation_iso_codes') }}
),

known as (
    select
        -- keys
        {{ surrogate_key(['nations.nation_key']) }} as geography_sk,
        nations.nation_key,
        nations.region_key,
        -- attributes
        nations.nation_name,
        regions.region_name,
        iso_codes.iso_alpha2,
        iso_codes.iso_alpha3
    from nations
    left join regions on nations.region_key = regions.region_key
    left join iso_codes on nations.nation_key = iso_codes.nation_key
),

unknown_member as (
    select
        {{ unknown_member_sk() }} as geography_sk,
        {{ unknown_member_key() }} as nation_key,
        {{ unknown_member_key() }} as region_key,
        'UNKNOWN' as nation_name,
        'UNKNOWN' as region_name,
        cast(null as varchar) as iso_alpha2,
        cast(null as varchar) as iso_alpha3
),

final as (
    select * from known
    union all
    select * from unknown_member
)

select * from final
