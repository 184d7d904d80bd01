-- TPC-H Q12: shipping modes and order priority.
-- Do cheaper ship modes (MAIL, SHIP) make urgent orders arrive late? Counts lines received
-- in 1994 after their commit date (but shipped before it), split into high and low
-- priority orders.

select
    l.ship_mode as l_shipmode,
    sum(
        case when o.order_priority in ('1-URGENT', '2-HIGH') then 1 else 0 end
    ) as high_line_count,
    sum(
        case when o.order_priority not in ('1-URGENT', '2-HIGH') then 1 else 0 end
    ) as low_line_count
from {{ ref('fct_order_lines') }} as l
inner join {{ ref('fct_orders') }} as o
    on l.order_key = o.order_key
where
    l.ship_mode in ('MAIL', 'SHIP')
    and l.commit_date < l.receipt_date
    and l.ship_date < l.commit_date
    and l.receipt_date >= date '1994-01-01'
    and l.receipt_date < date '1994-01-01' + interval '1' year
group by l.ship_mode
order by l_shipmode
