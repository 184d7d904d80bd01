-- Every line that will arrive: events, duplicates, malformed copies, by arrival. Each branch
-- builds the JSON of its own rows only: the optimiser does not push a filter below the
-- (costly) JSON of a shared CTE.
with records as (
    select raw_line, _arrived_at, event_id, 'event' as _kind, _fault,
        _session_key, _converts, _order_key
    from (
        select e.*, {json_line} as raw_line
        from web_events as e
        join web_sessions as s using (_session_key)
    ) as l
    union all
    -- At-least-once delivery: the very same line again, up to a day later.
    select raw_line,
        _arrived_at + to_milliseconds(
            cast(floor(rnd('web:dupd', l.event_id) * {duplicate_max_ms}) as bigint)),
        event_id, 'duplicate', _fault, _session_key, _converts, _order_key
    from (
        select e.*, {json_line} as raw_line
        from (
            select * from web_events as e
            where rnd('web:dup', e.event_id) < {duplicate_rate}
        ) as e
        join web_sessions as s using (_session_key)
    ) as l
    union all
    -- A broken copy of an event, never of a purchase.
    select
        case kind
            when 'not_json' then substring(raw_line, 1, cast(floor(length(raw_line)
                * (0.3 + 0.6 * rnd('web:cut', l.event_id))) as bigint))
            when 'missing_event_id' then
                replace(raw_line, '"event_id":"' || event_id || '",', '')
            else replace(raw_line,
                '"client_ts":"' || strftime(l.client_at, '{client_ts_format}') || '"',
                '"client_ts":"' || [strftime(l.client_at, '%d/%m/%Y %H:%M:%S'),
                    strftime(l.client_at, '%Y-%m-') || '32T'
                        || strftime(l.client_at, '%H:%M:%S.%gZ'),
                    'not a timestamp'][1 + cast(floor(rnd('web:badts', l.event_id) * 3)
                        as integer)] || '"')
        end,
        _arrived_at, event_id, 'malformed', kind, _session_key, _converts, _order_key
    from (
        select e.*, {json_line} as raw_line
        from (
            select *, pick({malformations}, rnd('web:badk', e.event_id)) as kind
            from web_events as e
            where e.event_type <> 'purchase' and rnd('web:bad', e.event_id) < {malformed_rate}
        ) as e
        join web_sessions as s using (_session_key)
    ) as l
)
select * from (
    select
        r.raw_line,
        shift_empty_days(r._arrived_at, d.is_empty, d.next_open_day) as _arrived_at,
        r.event_id as _event_id,
        r._kind,
        r._fault,
        r._session_key,
        r._converts,
        r._order_key
    from records as r
    left join calendar as d on d.day = cast(r._arrived_at as date)
)
-- A total order, so that the file is the same on every run.
order by _arrived_at, _event_id, _kind
