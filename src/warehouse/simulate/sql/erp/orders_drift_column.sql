,
        -- schema drift: the orders extract carries the sales channel from drift_date on
        case when updated_at >= timestamp '{drift_date}'
            then ['web', 'phone', 'edi', 'sales_rep'][
                1 + cast(floor(rnd('orders:ch', o_orderkey) * 4) as integer)]
        end as {drift_column}
