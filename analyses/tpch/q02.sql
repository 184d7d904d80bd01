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
    join {{ ref('dim_suppliers') }} as s
        on s.supplier_key = i.supplier_key
        and s.is_current
    join {{ ref('dim_geography') }} as g
        on g.nation_key = s.nation_key
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
join cheapest_cost_per_part as c
    on c.part_key = o.part_key
    and c.min_supply_cost = o.supply_cost
join {{ ref('dim_parts') }} as p
    on p.part_key = o.part_key
    and p.is_current
where
    p.part_size = 15
    and p.part_type like '%BRASS'
order by
    s_acctbal desc,
    n_name,
    s_name,
    p_partkey
limit 100
