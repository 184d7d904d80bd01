-- The clean versions of an entity (table v_{entity}) as text, with their arrival: 1-24 hours
-- after the change, some late by days, some overtaken by their successor, none on an empty
-- day; and the draws that pick duplicates and malformed copies (records.sql).
with versions as (
    select
        v.*,
        rnd('{entity}:late', {key_args}, v._version) < {late_rate} as _late,
        updated_at
            + to_minutes(cast(60 + floor(rnd('{entity}:arr', {key_args}, v._version) * 1380)
                as bigint))
            + case when rnd('{entity}:late', {key_args}, v._version) < {late_rate}
                then to_days(cast(1 + floor(rnd('{entity}:lated', {key_args}, v._version)
                    * {late_max_days}) as integer))
                else interval 0 day end
            as raw_arrival
    from v_{entity} as v
),
shifted as (
    select
        v.* exclude (raw_arrival),
        shift_empty_days(v.raw_arrival, d.is_empty, d.next_open_day) as arrival
    from versions as v
    join calendar as d on d.day = cast(v.raw_arrival as date)
),
picked as (
    select *,
        rnd('{entity}:ooo', {key_args}, _version) < {out_of_order_rate} as _ooo_pick
    from shifted as v
),
ordered as (
    -- An earlier version overtaken by the next one: it arrives 1-5 days after it. The next
    -- version must keep its own arrival, so it is not overtaken itself.
    select
        * exclude (_ooo_pick),
        lead(arrival) over (partition by {partition} order by _version) as next_arrival,
        _ooo_pick and not coalesce(
            lead(_ooo_pick) over (partition by {partition} order by _version), false
        ) as _ooo_pick
    from picked
),
clean as (
    select
        * exclude (arrival, next_arrival, _ooo_pick),
        _ooo_pick and next_arrival is not null as _out_of_order,
        case when _ooo_pick and next_arrival is not null
            then greatest(arrival, next_arrival) + to_days(cast(1 + floor(
                rnd('{entity}:oood', {key_args}, _version) * 5) as integer))
            else arrival end as _arrived_at
    from ordered as v
),
clean_text as (
    select
        {text_columns},
        strftime(updated_at, '%Y-%m-%d %H:%M:%S') as updated_at{drift},
        _arrived_at, _version, _is_final, _late, _out_of_order,
        rnd('{entity}:dup', {key_args}, _version) < {duplicate_rate} as _dup_pick,
        rnd('{entity}:dupd', {key_args}, _version) as _dup_delay,
        rnd('{entity}:bad', {key_args}, _version) < {malformed_rate} as _bad_pick,
        cast(floor(rnd('{entity}:badk', {key_args}, _version) * {n_kinds}) as integer)
            as _bad_kind
    from clean as v
)
select * from clean_text
