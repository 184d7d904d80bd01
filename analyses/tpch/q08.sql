-- TPC-H Q8: national market share.
-- What share of the American market for ECONOMY ANODIZED STEEL parts did Brazilian
-- suppliers have in 1995 and 1996?

with american_volume as (
    select
        extract(year from o.order_date) as o_year,
        l.extended_price * (1 - l.discount) as volume,
        sg.nation_name as supplier_nation
    from {{ ref('fct_order_lines') }} as l
    inner join {{ ref('fct_orders') }} as o
        on l.order_key = o.order_key
    inner join {{ ref('dim_parts') }} as p
        on l.part_key = p.part_key
        and p.is_current
    inner join {{ ref('dim_suppliers') }} as s
        on l.supplier_key = s.supplier_key
        and s.is_current
    inner join {{ ref('dim_geography') }} as sg
        on s.nation_key = sg.nation_key
    inner join {{ ref('dim_customers') }} as c
        on o.customer_key = c.customer_key
        and c.is_current
    inner join {{ ref('dim_geography') }} as cg
        on c.nation_key = cg.nation_key
    where
        cg.region_name = 'AMERICA'
        and o.order_date between date '1995-01-01' and date '1996-12-31'
        and p.part_type = 'ECONOMY ANODIZED STEEL'
)

select
    o_year,
    sum(case when supplier_nation = 'BRAZIL' then volume else 0 end)
    / sum(volume) as mkt_share
from american_volume
group by o_year
order by o_year
