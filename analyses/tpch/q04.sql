-- TPC-H Q4: order priority checking.
-- How well is the order priority system working? Counts the orders of Q3 1993 that had
-- at least one line received after its committed date, per order priority.

with orders_with_late_lines as (
    select distinct l.order_key
    from {{ ref('fct_order_lines') }} as l
    where l.commit_date < l.receipt_date
)

select
    o.order_priority as o_orderpriority,
    count(*) as order_count
from {{ ref('fct_orders') }} as o
join orders_with_late_lines as late
    on late.order_key = o.order_key
where
    o.order_date >= date '1993-07-01'
    and o.order_date < date '1993-07-01' + interval '3' month
group by o.order_priority
order by o_orderpriority
