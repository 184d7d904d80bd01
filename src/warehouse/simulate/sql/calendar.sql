-- One row per day of the simulated history: each day is empty (nothing arrives) with
-- probability empty_day_rate, and knows the next day that is not empty.
create table calendar as
with days as (
    select cast(d as date) as day,
        rnd('empty', epoch(d)) < {empty_day_rate} as is_empty
    from range(timestamp '{history_start}', timestamp '{calendar_end}', interval 1 day) t(d)
)
select day, is_empty,
    min(case when not is_empty then day end) over (
        order by day rows between current row and unbounded following) as next_open_day
from days
