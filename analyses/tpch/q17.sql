-- TPC-H Q17: small-quantity-order revenue.
-- How much yearly revenue would be lost by no longer taking small orders (below 20% of
-- the part's average order quantity) for Brand#23 parts in MED BOX containers?

with target_parts as (
    select p.part_key
    from {{ ref('dim_parts') }} as p
    where
        p.is_current
        and p.brand = 'Brand#23'
        and p.container = 'MED BOX'
),

part_quantity_threshold as (
    select
        l.part_key,
        0.2 * avg(l.quantity) as small_quantity
    from {{ ref('fct_order_lines') }} as l
    inner join target_parts as tp
        on l.part_key = tp.part_key
    group by l.part_key
)

select sum(l.extended_price) / 7.0 as avg_yearly
from {{ ref('fct_order_lines') }} as l
inner join part_quantity_threshold as t
    on l.part_key = t.part_key
where l.quantity < t.small_quantity
