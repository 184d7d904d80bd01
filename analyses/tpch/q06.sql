-- TPC-H Q6: forecasting revenue change.
-- How much more revenue would 1994 have brought without the 5-7% discounts given on
-- small orders (fewer than 24 units)?

select sum(l.extended_price * l.discount) as revenue
from {{ ref('fct_order_lines') }} as l
where
    l.ship_date >= date '1994-01-01'
    and l.ship_date < date '1994-01-01' + interval '1' year
    and l.discount between 0.05 and 0.07
    and l.quantity < 24
