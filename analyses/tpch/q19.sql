-- TPC-H Q19: discounted revenue.
-- How much discounted revenue came from air shipments delivered in person for three
-- brand / container / size / quantity combinations?

select sum(l.extended_price * (1 - l.discount)) as revenue
from {{ ref('fct_order_lines') }} as l
inner join {{ ref('dim_parts') }} as p
    on l.part_key = p.part_key
    and p.is_current
where
    l.ship_mode in ('AIR', 'AIR REG')
    and l.ship_instructions = 'DELIVER IN PERSON'
    and (
        (
            p.brand = 'Brand#12'
            and p.container in ('SM CASE', 'SM BOX', 'SM PACK', 'SM PKG')
            and l.quantity between 1 and 1 + 10
            and p.part_size between 1 and 5
        )
        or (
            p.brand = 'Brand#23'
            and p.container in ('MED BAG', 'MED BOX', 'MED PKG', 'MED PACK')
            and l.quantity between 10 and 10 + 10
            and p.part_size between 1 and 10
        )
        or (
            p.brand = 'Brand#34'
            and p.container in ('LG CASE', 'LG BOX', 'LG PACK', 'LG PKG')
            and l.quantity between 20 and 20 + 10
            and p.part_size between 1 and 15
        )
    )
