-- TPC-H Q11: important stock identification.
-- Which parts make up a significant share (more than 0.01%) of the value of the stock
-- held by German suppliers?

with german_stock as (
    select
        i.part_key,
        i.supply_cost * i.available_quantity as stock_value
    from {{ ref('fct_inventory') }} as i
    inner join {{ ref('dim_suppliers') }} as s
        on i.supplier_key = s.supplier_key
        and s.is_current
    inner join {{ ref('dim_geography') }} as g
        on s.nation_key = g.nation_key
    where
        i.is_current
        and g.nation_name = 'GERMANY'
),

threshold as (
    select sum(stock_value) * 0.0001000000 as min_value
    from german_stock
)

select
    gs.part_key as ps_partkey,
    -- `value` is the official answer's column name
    sum(gs.stock_value) as value  -- noqa: RF04
from german_stock as gs
group by gs.part_key
having sum(gs.stock_value) > (select t.min_value from threshold as t)
order by value desc
