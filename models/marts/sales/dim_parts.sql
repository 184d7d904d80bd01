-- Parts as SCD type 2. Grain: one part version (plus the unknown member).
with snapshot as (
    select * from {{ ref('snap_erp__parts') }}
),

known as (
    select
        {{ scd_version_sk(['part_key']) }} as part_sk,
        {{ scd_validity_columns(['part_key']) }},
        part_key,
        part_name,
        manufacturer,
        brand,
        part_type,
        part_size,
        container,
        retail_price,
        part_comment
    from snapshot
),

unknown_member as (
    select
        {{ unknown_member_sk() }} as part_sk,
        {{ beginning_of_time() }} as valid_from,
        {{ end_of_time() }} as valid_to,
        true as is_current,
        false as is_deleted,
        {{ unknown_member_key() }} as part_key,
        'UNKNOWN' as part_name,
        'UNKNOWN' as manufacturer,
        'UNKNOWN' as brand,
        'UNKNOWN' as part_type,
        cast(null as integer) as part_size,
        'UNKNOWN' as container,
        cast(null as decimal(15, 2)) as retail_price,
        cast(null as varchar) as part_comment
),

unioned as (
    select * from known
    union all
    select * from unknown_member
),

final as (
    select
        -- keys
        part_sk,
        part_key,
        -- attributes
        part_name,
        manufacturer,
        brand,
        part_type,
        part_size,
        container,
        retail_price,
        part_comment,
        -- validity
        valid_from,
        valid_to,
        is_current,
        is_deleted
    from unioned
)

select * from final
