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
    join forest_parts as fp
        on fp.part_key = l.part_key
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
    join shipped_1994 as sh
        on sh.part_key = i.part_key
        and sh.supplier_key = i.supplier_key
    where
        i.is_current
        and i.available_quantity > 0.5 * sh.shipped_quantity
)

select
    s.supplier_name as s_name,
    s.supplier_address as s_address
from {{ ref('dim_suppliers') }} as s
join suppliers_with_excess as se
    on se.supplier_key = s.supplier_key
join {{ ref('dim_geography') }} as g
    on g.nation_key = s.nation_key
where
    s.is_current
    and g.nation_name = 'CANADA'
order by s_name
