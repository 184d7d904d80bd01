-- TPC-H Q1: pricing summary report.
-- How much business was billed, shipped and returned? Quantities, prices, discounts and
-- line counts per return flag and line status, for lines shipped up to 90 days before
-- the end of the data (1998-12-01).

select
    l.return_flag as l_returnflag,
    l.line_status as l_linestatus,
    sum(l.quantity) as sum_qty,
    sum(l.extended_price) as sum_base_price,
    sum(l.extended_price * (1 - l.discount)) as sum_disc_price,
    sum(l.extended_price * (1 - l.discount) * (1 + l.tax)) as sum_charge,
    avg(l.quantity) as avg_qty,
    avg(l.extended_price) as avg_price,
    avg(l.discount) as avg_disc,
    count(*) as count_order
from {{ ref('fct_order_lines') }} as l
where l.ship_date <= date '1998-12-01' - interval '90' day
group by
    l.return_flag,
    l.line_status
order by
    l_returnflag,
    l_linestatus
