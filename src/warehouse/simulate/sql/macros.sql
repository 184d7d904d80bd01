-- The simulator's helpers, created on its DuckDB connection for one seed.

-- rnd(salt, keys): a deterministic pseudo-random number in [0, 1) from the seed, a salt and
-- one to three keys.
create or replace temp macro rnd(salt, k1) as ((hash({seed}, salt, k1) % {prime}) / {prime}.0),
    (salt, k1, k2) as ((hash({seed}, salt, k1, k2) % {prime}) / {prime}.0),
    (salt, k1, k2, k3) as ((hash({seed}, salt, k1, k2, k3) % {prime}) / {prime}.0);

-- pick(values, x): one of a list of values, uniformly by a random number x in [0, 1).
create or replace temp macro pick(choices, x) as
    (choices)[1 + cast(floor(x * len(choices)) as integer)];

-- shift_empty_days(arrival, is_empty, next_open_day): an arrival on an empty day (calendar)
-- moves to 06:00 of the next day that is not empty.
create or replace temp macro shift_empty_days(arrival, is_empty, next_open_day) as
    case when is_empty then cast(next_open_day as timestamp) + interval 6 hour else arrival end;

-- version_time(version, versions, r_first, r_slice): when a version of a slowly changing
-- entity was made. Version 1 is the initial extract on the first day (within its first 6
-- hours, by r_first); versions 2..n fall into equal slices of the span, in order (by r_slice).
create or replace temp macro version_time(version, versions, r_first, r_slice) as
    case when version = 1
        then timestamp '{history_start}' + to_minutes(cast(floor(r_first * 360) as bigint))
        else timestamp '{history_start}' + to_hours(cast(floor(
            ((version - 1) + r_slice) / versions * {span_hours}) as bigint))
    end;

-- earlier_phone(phone, key, version): an earlier phone number, same country prefix, other
-- subscriber digits.
create or replace temp macro earlier_phone(phone, key, version) as
    substring(phone, 1, 3)
    || lpad(cast(hash({seed}, 'ph0', key, version) % 1000 as varchar), 3, '0') || '-'
    || lpad(cast(hash({seed}, 'ph1', key, version) % 1000 as varchar), 3, '0') || '-'
    || lpad(cast(hash({seed}, 'ph2', key, version) % 10000 as varchar), 4, '0');
