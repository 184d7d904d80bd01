-- TPC-H Q9: product type profit measure.
-- How much profit did parts with "green" in their name make, per supplier nation and
-- order year? Profit is the discounted line price minus the supplier's cost.

with profit as (
    select
        g.nation_name as nation,
        extract(year from l.order_date) as o_year,
        l.extended_price * (1 - l.discount) - i.supply_cost * l.quantity as amount
    from {{ ref('fct_order_lines') }} as l
    join {{ ref('dim_parts') }} as p
        on p.part_key = l.part_key
        and p.is_current
    join {{ ref('fct_inventory') }} as i
        on i.part_key = l.part_key
        and i.supplier_key = l.supplier_key
        and i.is_current
    join {{ ref('dim_suppliers') }} as s
        on s.supplier_key = l.supplier_key
        and s.is_current
    join {{ ref('dim_geography') }} as g
        on g.nation_key = s.nation_key
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
    nation,
    o_year desc
