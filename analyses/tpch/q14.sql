-- TPC-H Q14: promotion effect.
-- What percentage of September 1995 revenue came from promotional parts?

select
    100.00 * sum(
        case
            when p.part_type like 'PROMO%' then l.extended_price * (1 - l.discount)
            else 0
        end
    ) / sum(l.extended_price * (1 - l.discount)) as promo_revenue
from {{ ref('fct_order_lines') }} as l
inner join {{ ref('dim_parts') }} as p
    on l.part_key = p.part_key
    and p.is_current
where
    l.ship_date >= date '1995-09-01'
    and l.ship_date < date '1995-09-01' + interval '1' month
