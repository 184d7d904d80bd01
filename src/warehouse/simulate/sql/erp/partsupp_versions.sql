-- One to three versions per part-supplier offer; the last is the TPC-H row, earlier ones
-- another availability and supply cost.
with n as (
    select ps_partkey, ps_suppkey,
        1 + cast(floor(rnd('nv', ps_partkey, ps_suppkey) * 3) as integer) as n_versions
    from partsupp
)
select
    ps.ps_partkey, ps.ps_suppkey,
    case when g.v = n.n_versions then ps.ps_availqty
        else cast(floor(rnd('aq', ps.ps_partkey, ps.ps_suppkey, g.v) * 9999) as integer) + 1
    end as ps_availqty,
    case when g.v = n.n_versions then ps.ps_supplycost
        else cast(round(ps.ps_supplycost
            * (0.8 + rnd('sc', ps.ps_partkey, ps.ps_suppkey, g.v) * 0.3), 2)
            as decimal(15, 2)) end as ps_supplycost,
    ps.ps_comment,
    version_time(g.v, n.n_versions, rnd('v1', ps.ps_partkey, ps.ps_suppkey),
        rnd('vt', ps.ps_partkey, ps.ps_suppkey, g.v)) as updated_at,
    g.v as _version,
    g.v = n.n_versions as _is_final
from partsupp as ps
join n using (ps_partkey, ps_suppkey)
cross join generate_series(1, 3) as g(v)
where g.v <= n.n_versions
