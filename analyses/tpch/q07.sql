-- TPC-H Q7: volume shipping.
-- How much was shipped between France and Germany (both directions) in 1995 and 1996?
-- Revenue per supplier nation, customer nation and ship year.

with shipping as (
    select
        sg.nation_name as supp_nation,
        cg.nation_name as cust_nation,
        extract(year from l.ship_date) as l_year,
        l.extended_price * (1 - l.discount) as volume
    from {{ ref('fct_order_lines') }} as l
    inner join {{ ref('fct_orders') }} as o
        on l.order_key = o.order_key
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
        (
            (sg.nation_name = 'FRANCE' and cg.nation_name = 'GERMANY')
            or (sg.nation_name = 'GERMANY' and cg.nation_name = 'FRANCE')
        )
        and l.ship_date between date '1995-01-01' and date '1996-12-31'
)

select
    supp_nation,
    cust_nation,
    l_year,
    sum(volume) as revenue
from shipping
group by
    supp_nation,
    cust_nation,
    l_year
order by
    supp_nation,
    cust_nation,
    l_year
