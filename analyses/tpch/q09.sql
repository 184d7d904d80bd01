-- TPC-H Q9: product type profit measure.
-- How much profit did parts with "green" in their name make, per supplier nation and
-- order year? Profit is the discounted line price minus the supplier's cost.

with profit as (
    select
        g.nation_name as nation,
        extract(year from l.order_date) as o_year,
        l.extended_price * (1 - l.discount) - i.supply_cost * l.quantity as amount
    from {{ ref('fct_order_lines') }} as l
    inner join {{ ref('dim_parts') }} as p
        on l.part_key = p.part_key
        and p.is_current
    inner join {{ ref('fct_inventory') }} as i
        on l.part_key = i.part_key
        and l.supplier_key = i.supplier_key
        and i.is_current
    inner join {{ ref('dim_suppliers') }} as s
        on l.supplier_key = s.supplier_key
        and s.is_current
    inner join {{ ref('dim_geography') }} as g
        on s.nation_key = g.nation_key
    where p.part_name like '%green%'
)

select
    nation,
    o_year,
    sum(amount) as sum_profit
from profit
group by
    nation,
    o_year
order by
    nation asc,
    o_year desc
