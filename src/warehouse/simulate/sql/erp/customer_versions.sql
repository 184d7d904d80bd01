-- One to three versions per customer; the last is the TPC-H row, earlier ones have another
-- address, phone, balance and segment.
with n as (
    select c_custkey, 1 + cast(floor(rnd('nv', c_custkey) * 3) as integer) as n_versions
    from customer
)
select
    c.c_custkey,
    c.c_name,
    case when g.v = n.n_versions then c.c_address
        else substring(md5(c.c_address || g.v), 1, 12 + g.v) end as c_address,
    c.c_nationkey,
    case when g.v = n.n_versions then c.c_phone
        else earlier_phone(c.c_phone, c.c_custkey, g.v) end as c_phone,
    case when g.v = n.n_versions then c.c_acctbal
        else cast(round(c.c_acctbal + (rnd('ab', c.c_custkey, g.v) - 0.5) * 2000, 2)
            as decimal(15, 2)) end as c_acctbal,
    case when g.v = n.n_versions then c.c_mktsegment
        else ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'][
            1 + cast(floor(rnd('ms', c.c_custkey, g.v) * 5) as integer)] end as c_mktsegment,
    c.c_comment,
    version_time(g.v, n.n_versions, rnd('v1', c.c_custkey), rnd('vt', c.c_custkey, g.v))
        as updated_at,
    g.v as _version,
    g.v = n.n_versions as _is_final
from customer as c
join n using (c_custkey)
cross join generate_series(1, 3) as g(v)
where g.v <= n.n_versions
