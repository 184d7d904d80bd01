-- The clickstream simulator's helpers (after the simulator's own, sql/macros.sql).

-- device_of(x): a session's device, drawn by x in [0, 1) with the shares of web.DEVICES.
create or replace temp macro device_of(x) as case {device_cases} end;

-- user_agent_of(device, x): one of the user agents seen on the device, drawn by x.
create or replace temp macro user_agent_of(device, x) as case device {user_agent_cases} end;

-- day_near_order(order_date, x): a day within browse_days of the order date, drawn by x,
-- mirrored so that it never precedes the history.
create or replace temp macro day_near_order(order_date, x) as
    case when order_date + (cast(floor(x * {browse_window}) as integer) - {browse_days})
            < date '{history_start}'
        then order_date - (cast(floor(x * {browse_window}) as integer) - {browse_days})
        else order_date + (cast(floor(x * {browse_window}) as integer) - {browse_days}) end;

-- time_of_day(x): a time of day, to the millisecond, drawn by x.
create or replace temp macro time_of_day(x) as
    to_milliseconds(cast(floor(x * 86400000) as bigint));

-- Browsing sessions: landing page, search, then product views of random parts, each view at
-- an odd pos possibly turned into an add-to-cart of the part viewed just before.
-- browse_part(session_key, pos): the part viewed at position pos.
create or replace temp macro browse_part(session_key, pos) as
    1 + cast(floor(rnd('web:bp', session_key, pos) * {n_parts}) as bigint);

-- browse_cart(session_key, pos): whether the event at an odd position pos is an add-to-cart.
create or replace temp macro browse_cart(session_key, pos) as
    (rnd('web:cart', session_key, pos) < {cart_share});

-- browse_page(landing_url, search_url, session_key, pos): the page of an event.
create or replace temp macro browse_page(landing_url, search_url, session_key, pos) as
    case when pos = 0 then landing_url
        when pos = 1 then search_url
        when pos % 2 = 1 and browse_cart(session_key, pos) then '{portal}/cart'
        else '{portal}/parts/' || browse_part(session_key, pos) end;

-- Crawlers: the home page, then part pages. bot_part(session_key, pos): the part.
create or replace temp macro bot_part(session_key, pos) as
    1 + cast(floor(rnd('web:xp', session_key, pos) * {n_parts}) as bigint);

-- bot_page(landing_url, session_key, pos): the page of a crawler's event.
create or replace temp macro bot_page(landing_url, session_key, pos) as
    case when pos = 0 then landing_url
        else '{portal}/parts/' || bot_part(session_key, pos) end;
