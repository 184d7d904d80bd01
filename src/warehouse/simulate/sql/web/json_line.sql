-- The line the collector writes for event e of session s. Keys always come in the same order;
-- properties of some event types (and the drift property) are left out, not null, where they
-- do not apply.
left(cast(json_object(
        'event_id', e.event_id,
        'event_type', e.event_type,
        'anonymous_id', s.anonymous_id,
        'customer_key', e.customer_key,
        'client_ts', strftime(e.client_at, '{client_ts_format}'),
        'collector_ts', strftime(e.collector_at, '{client_ts_format}'),
        'page_url', e.page_url,
        'referrer', e.referrer,
        'utm_source', case when e.is_landing then s.utm_source end,
        'utm_medium', case when e.is_landing then s.utm_medium end,
        'utm_campaign', case when e.is_landing then s.utm_campaign end,
        'device', s.device,
        'user_agent', s.user_agent,
        'ip_address', s.ip_address,
        'consent', s.consent) as varchar), -1)
    || coalesce(',"order_key":' || e.order_key, '')
    || coalesce(',"part_key":' || e.part_key, '')
    || coalesce(',"search_query":' || cast(to_json(e.search_query) as varchar), '')
    || coalesce(',"page_load_ms":' || e.page_load_ms, '')
    || '}}'
