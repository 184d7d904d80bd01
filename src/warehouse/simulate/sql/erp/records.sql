-- Every record of an entity that will arrive, by arrival: the clean versions (table
-- clean_text), duplicates and malformed copies.
with records as (
    select {columns}, _arrived_at, 'version' as _kind, _version, _is_final,
        _late, _out_of_order, cast(null as varchar) as _malformed_reason
    from clean_text
    union all
    -- At-least-once delivery: the same record again, up to three days later.
    select {columns},
        _arrived_at + to_minutes(cast(floor(_dup_delay * 4320) as bigint)),
        'duplicate', _version, _is_final, _late, _out_of_order, null
    from clean_text
    where _dup_pick
    union all
    select {malformed_columns},
        _arrived_at, 'malformed', _version, false, _late, _out_of_order,
        {reasons}[kind + 1]
    from (select *, _bad_kind as kind from clean_text where _bad_pick)
)
select
    r.* exclude (_arrived_at),
    shift_empty_days(r._arrived_at, d.is_empty, d.next_open_day) as _arrived_at
from records as r
join calendar as d on d.day = cast(r._arrived_at as date)
order by _arrived_at
