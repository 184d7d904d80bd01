-- TPC-H Q4: order priority checking.
-- How well is the order priority system working? Counts the orders of Q3 1993 that had
-- at least one line received after its committed date, per order priority.

select
    o.order_priority as o_orderpriority,
    -- an order counts once, however many of its lines were late
    count(distinct o.order_key) as order_count
from {{ ref('fct_orders') }} as o
inner join {{ ref('fct_order_lines') }} as l
    on o.order_key = l.order_key
where
    o.order_date >= date '1993-07-01'
    and o.order_date < date '1993-07-01' + interval '3' month
    and l.commit_date < l.receipt_date
group by o.order_priority
order by o_orderpriority
