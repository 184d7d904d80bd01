{#- The pre-hook of an incremental model that recomputes groups of rows (all rows of a date,
    say): it deletes the model's rows that `condition` selects before the model inserts what
    it computes for them. A group the run finds empty (the orders of a date all moved to
    another date) is deleted and not inserted again, which delete+insert alone cannot do: it
    deletes the keys the run writes and no others. dbt runs the hook and the model's writes in
    one transaction. Nothing on a full build. -#}
{% macro delete_replaced_rows(condition) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ condition }}
    {%- endif -%}
{%- endmacro %}


{#- A select of the order dates an order-date report recomputes: every date (current or
    earlier, int_sales__order_dates) of the orders changed since `watermark`
    (int_sales__orders_last_changed), and every date when a nation or region changed (the
    report groups by them). -#}
{% macro order_dates_changed_since(watermark) -%}
    select order_dates.order_date
    from {{ ref('int_sales__order_dates') }} as order_dates
    where
        order_dates.order_key in ({{ orders_changed_since(watermark) }})
        or {{ geography_changed_since(watermark) }}
{%- endmacro %}


{#- A select of the supplier months (supplier_key, receipt_month) a report by supplier and
    receipt month recomputes: every supplier month, current or earlier
    (int_sales__order_receipt_months), of the orders changed since `watermark`; every month
    of a supplier with a new version since (the report shows its current name and nation);
    and every month when a nation or region changed. -#}
{% macro supplier_months_changed_since(watermark) -%}
    select months.supplier_key, months.receipt_month
    from {{ ref('int_sales__order_receipt_months') }} as months
    where
        months.order_key in ({{ orders_changed_since(watermark) }})
        or months.supplier_key in (
            select versions.supplier_key
            from {{ ref('snap_erp__suppliers') }} as versions
            where versions._batch_id > {{ watermark }}
        )
        or {{ geography_changed_since(watermark) }}
{%- endmacro %}


{#- A condition: a nation or region changed since `watermark`. -#}
{% macro geography_changed_since(watermark) -%}
    exists (
        select 1 from {{ ref('stg_erp__nations') }} as nations
        where nations._batch_id > {{ watermark }}
    )
    or exists (
        select 1 from {{ ref('stg_erp__regions') }} as regions
        where regions._batch_id > {{ watermark }}
    )
{%- endmacro %}


{#- A select of the orders changed since `watermark` (int_sales__orders_last_changed). -#}
{% macro orders_changed_since(watermark) -%}
    select changed.order_key
    from {{ ref('int_sales__orders_last_changed') }} as changed
    where changed.last_changed_batch > {{ watermark }}
{%- endmacro %}
