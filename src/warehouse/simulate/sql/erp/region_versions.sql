-- Regions never change: one version, from the first day.
select *, timestamp '{history_start}' as updated_at, 1 as _version, true as _is_final
from region
