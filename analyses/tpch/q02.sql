-- TPC-H Q2: minimum cost supplier.
-- Which European suppliers offer size-15 brass parts at the lowest supply cost in the
-- region? Lists the supplier (richest first) for every such part where it matches the
-- regional minimum cost.

with european_offers as (
    select
        i.part_key,
        i.supply_cost,
        s.account_balance,
        s.supplier_name,
        s.supplier_address,
        s.supplier_phone,
        s.supplier_comment,
        g.nation_name
    from {{ ref('fct_inventory') }} as i
    inner join {{ ref('dim_suppliers') }} as s
        on i.supplier_key = s.supplier_key
        and s.is_current
    inner join {{ ref('dim_geography') }} as g
        on s.nation_key = g.nation_key
    where
        i.is_current
        and g.region_name = 'EUROPE'
),

cheapest_cost_per_part as (
    select
        part_key,
        min(supply_cost) as min_supply_cost
    from european_offers
    group by part_key
)

select
    o.account_balance as s_acctbal,
    o.supplier_name as s_name,
    o.nation_name as n_name,
    p.part_key as p_partkey,
    p.manufacturer as p_mfgr,
    o.supplier_address as s_address,
    o.supplier_phone as s_phone,
    o.supplier_comment as s_comment
from european_offers as o
inner join cheapest_cost_per_part as c
    on o.part_key = c.part_key
    and o.supply_cost = c.min_supply_cost
inner join {{ ref('dim_parts') }} as p
    on o.part_key = p.part_key
    and p.is_current
where
    p.part_size = 15
    and p.part_type like '%BRASS'
order by
    s_acctbal desc,
    n_name asc,
    s_name asc,
    p_partkey asc
limit 100
