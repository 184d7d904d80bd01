-- Version 1 with the order, 2 when shipped, 3 (the TPC-H row) when received.
with placed as (
    select o_orderkey as l_orderkey,
        cast(o_orderdate as timestamp)
            + to_minutes(cast(floor(rnd('ot', o_orderkey) * 1440) as bigint))
            as placed_at
    from orders
)
select
    l.l_orderkey, l.l_partkey, l.l_suppkey, l.l_linenumber, l.l_quantity,
    l.l_extendedprice, l.l_discount, l.l_tax,
    case when g.v = 3 then l.l_returnflag else 'N' end as l_returnflag,
    case when g.v = 1 then 'O' else l.l_linestatus end as l_linestatus,
    case when g.v >= 2 then l.l_shipdate end as l_shipdate,
    l.l_commitdate,
    case when g.v = 3 then l.l_receiptdate end as l_receiptdate,
    l.l_shipinstruct,
    case when g.v >= 2 then l.l_shipmode end as l_shipmode,
    l.l_comment,
    case g.v
        when 1 then p.placed_at
        when 2 then cast(l.l_shipdate as timestamp) + to_minutes(cast(floor(
            rnd('st', l.l_orderkey, l.l_linenumber) * 1440) as bigint))
        else cast(l.l_receiptdate as timestamp) + to_minutes(cast(floor(
            rnd('rt', l.l_orderkey, l.l_linenumber) * 1440) as bigint))
    end as updated_at,
    g.v as _version,
    g.v = 3 as _is_final
from lineitem as l
join placed as p using (l_orderkey)
cross join generate_series(1, 3) as g(v)
