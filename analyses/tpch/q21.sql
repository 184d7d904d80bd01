-- TPC-H Q21: suppliers who kept orders waiting.
-- Which Saudi Arabian suppliers were the only late supplier on finished multi-supplier
-- orders? Counts such late lines per supplier (top 100).

with order_suppliers as (
    select
        l.order_key,
        count(distinct l.supplier_key) as supplier_count,
        count(
            distinct case when l.receipt_date > l.commit_date then l.supplier_key end
        ) as late_supplier_count
    from {{ ref('fct_order_lines') }} as l
    group by l.order_key
)

select
    s.supplier_name as s_name,
    count(*) as numwait
from {{ ref('fct_order_lines') }} as l
inner join {{ ref('fct_orders') }} as o
    on l.order_key = o.order_key
inner join order_suppliers as os
    on l.order_key = os.order_key
inner join {{ ref('dim_suppliers') }} as s
    on l.supplier_key = s.supplier_key
    and s.is_current
inner join {{ ref('dim_geography') }} as g
    on s.nation_key = g.nation_key
where
    o.order_status = 'F'
    and l.receipt_date > l.commit_date
    -- another supplier delivered part of the same order ...
    and os.supplier_count > 1
    -- ... and this line's supplier was the only one that delivered late
    and os.late_supplier_count = 1
    and g.nation_name = 'SAUDI ARABIA'
group by s.supplier_name
order by
    numwait desc,
    s_name asc
limit 100
