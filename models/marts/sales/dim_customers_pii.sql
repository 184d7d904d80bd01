-- RESTRICTED: the personal data of customers (name, address, phone, comment), keyed like
-- dim_customers. Grain: one customer version. Only the privileged role may read it.
{{ config(grants={'select': ['pii_reader']} if target.type == 'postgres' else {}) }}

with snapshot as (
    select * from {{ ref('snap_erp__customers') }}
),

final as (
    select
        -- keys
        {{ scd_version_sk(['customer_key']) }} as customer_sk,
        {{ scd_validity_columns(['customer_key']) }},
        customer_key,
        -- personal data
        customer_name,
        customer_address,
        customer_phone,
        customer_comment
    from snapshot
)

select
    customer_sk,
    customer_key,
    customer_name,
    customer_address,
    customer_phone,
    customer_comment,
    valid_from,
    valid_to,
    is_current
from final
