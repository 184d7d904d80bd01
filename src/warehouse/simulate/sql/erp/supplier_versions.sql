-- One to three versions per supplier; the last is the TPC-H row, earlier ones have another
-- address, phone and balance.
with n as (
    select s_suppkey, 1 + cast(floor(rnd('nv', s_suppkey) * 3) as integer) as n_versions
    from supplier
)
select
    s.s_suppkey,
    s.s_name,
    case when g.v = n.n_versions then s.s_address
        else substring(md5(s.s_address || g.v), 1, 14 + g.v) end as s_address,
    s.s_nationkey,
    case when g.v = n.n_versions then s.s_phone
        else earlier_phone(s.s_phone, s.s_suppkey, g.v) end as s_phone,
    case when g.v = n.n_versions then s.s_acctbal
        else cast(round(s.s_acctbal + (rnd('ab', s.s_suppkey, g.v) - 0.5) * 2000, 2)
            as decimal(15, 2)) end as s_acctbal,
    s.s_comment,
    version_time(g.v, n.n_versions, rnd('v1', s.s_suppkey), rnd('vt', s.s_suppkey, g.v))
        as updated_at,
    g.v as _version,
    g.v = n.n_versions as _is_final
from supplier as s
join n using (s_suppkey)
cross join generate_series(1, 3) as g(v)
where g.v <= n.n_versions
