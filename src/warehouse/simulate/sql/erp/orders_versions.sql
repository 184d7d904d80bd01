-- Placed on the order date (open), closed when the last line has been received.
with placed as (
    select o_orderkey,
        cast(o_orderdate as timestamp)
            + to_minutes(cast(floor(rnd('ot', o_orderkey) * 1440) as bigint))
            as placed_at
    from orders
),
closed as (
    select l_orderkey as o_orderkey,
        cast(max(l_receiptdate) as timestamp)
            + to_minutes(cast(floor(rnd('oc', l_orderkey) * 1440) as bigint))
            as closed_at
    from lineitem
    group by l_orderkey
)
select
    o.o_orderkey, o.o_custkey,
    case when g.v = 1 then 'O' else o.o_orderstatus end as o_orderstatus,
    o.o_totalprice, o.o_orderdate, o.o_orderpriority, o.o_clerk, o.o_shippriority,
    o.o_comment,
    case when g.v = 1 then p.placed_at else c.closed_at end as updated_at,
    g.v as _version,
    g.v = 2 as _is_final
from orders as o
join placed as p using (o_orderkey)
join closed as c using (o_orderkey)
cross join generate_series(1, 2) as g(v)
