-- Every event with its collector time (late for some), its arrival (never on an empty day)
-- and the drift property page_load_ms (from property_drift_date on).
with flagged as (
    select e.*,
        e.fault is null and rnd('web:late', e.event_id) < {late_rate} as is_late
    from web_events_base as e
),
delivered as (
    select e.* exclude (is_late),
        e.client_at + case when e.is_late
            then to_milliseconds(cast({late_min_ms}
                + floor(rnd('web:lated', e.event_id) * {late_spread_ms}) as bigint))
            else to_milliseconds(cast(100 + floor(rnd('web:coll', e.event_id) * 4900) as bigint))
            end as collector_at,
        case when e.client_at >= timestamp '{property_drift_date}' then
            case when e.fault = 'bot'
                then 20 + cast(floor(rnd('web:plt', e.event_id) * 180) as integer)
                else 200 + cast(floor(rnd('web:plt', e.event_id) * 2800) as integer) end
            end as page_load_ms,
        coalesce(e.fault, case when e.is_late then 'late' end) as _fault
    from flagged as e
)
select e.* exclude (fault),
    shift_empty_days(e.collector_at, d.is_empty, d.next_open_day) as _arrived_at
from delivered as e
left join calendar as d on d.day = cast(e.collector_at as date)
