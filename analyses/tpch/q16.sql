-- TPC-H Q16: parts/supplier relationship.
-- How many suppliers (without customer complaints on record) can supply parts of the
-- given sizes, excluding brand 45 and MEDIUM POLISHED types? Counted per brand, type and
-- size.

with complained_about_suppliers as (
    select s.supplier_key
    from {{ ref('dim_suppliers') }} as s
    where
        s.is_current
        and s.supplier_comment like '%Customer%Complaints%'
)

select
    p.brand as p_brand,
    p.part_type as p_type,
    p.part_size as p_size,
    count(distinct i.supplier_key) as supplier_cnt
from {{ ref('fct_inventory') }} as i
inner join {{ ref('dim_parts') }} as p
    on i.part_key = p.part_key
    and p.is_current
where
    i.is_current
    and p.brand <> 'Brand#45'
    and p.part_type not like 'MEDIUM POLISHED%'
    and p.part_size in (49, 14, 23, 45, 19, 3, 36, 9)
    and i.supplier_key not in (select cs.supplier_key from complained_about_suppliers as cs)
group by
    p.brand,
    p.part_type,
    p.part_size
order by
    supplier_cnt desc,
    p_brand asc,
    p_type asc,
    p_size asc
