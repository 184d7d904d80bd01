-- TPC-H Q20: potential part promotion.
-- Which Canadian suppliers hold an excess of "forest" parts, i.e. more stock than half of
-- what they shipped of that part in 1994? Candidates for a promotion.

with forest_parts as (
    select p.part_key
    from {{ ref('dim_parts') }} as p
    where
        p.is_current
        and p.part_name like 'forest%'
),

shipped_1994 as (
    select
        l.part_key,
        l.supplier_key,
        sum(l.quantity) as shipped_quantity
    from {{ ref('fct_order_lines') }} as l
    inner join forest_parts as fp
        on l.part_key = fp.part_key
    where
        l.ship_date >= date '1994-01-01'
        and l.ship_date < date '1994-01-01' + interval '1' year
    group by
        l.part_key,
        l.supplier_key
),

suppliers_with_excess as (
    select distinct i.supplier_key
    from {{ ref('fct_inventory') }} as i
    inner join shipped_1994 as sh
        on i.part_key = sh.part_key
        and i.supplier_key = sh.supplier_key
    where
        i.is_current
        and i.available_quantity > 0.5 * sh.shipped_quantity
)

select
    s.supplier_name as s_name,
    s.supplier_address as s_address
from {{ ref('dim_suppliers') }} as s
inner join suppliers_with_excess as se
    on s.supplier_key = se.supplier_key
inner join {{ ref('dim_geography') }} as g
    on s.nation_key = g.nation_key
where
    s.is_current
    and g.nation_name = 'CANADA'
order by s_name
