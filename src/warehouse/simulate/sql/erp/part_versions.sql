-- One to three versions per part; the last is the TPC-H row, earlier ones another price.
with n as (
    select p_partkey, 1 + cast(floor(rnd('nv', p_partkey) * 3) as integer) as n_versions
    from part
)
select
    p.p_partkey, p.p_name, p.p_mfgr, p.p_brand, p.p_type, p.p_size, p.p_container,
    case when g.v = n.n_versions then p.p_retailprice
        else cast(round(p.p_retailprice * (0.8 + rnd('rp', p.p_partkey, g.v) * 0.3), 2)
            as decimal(15, 2)) end as p_retailprice,
    p.p_comment,
    version_time(g.v, n.n_versions, rnd('v1', p.p_partkey), rnd('vt', p.p_partkey, g.v))
        as updated_at,
    g.v as _version,
    g.v = n.n_versions as _is_final
from part as p
join n using (p_partkey)
cross join generate_series(1, 3) as g(v)
where g.v <= n.n_versions
