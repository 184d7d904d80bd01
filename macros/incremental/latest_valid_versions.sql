{#-
    Body of a staging model: the latest valid version of every key.

    Reads the valid rows of the batches landed since the model last ran, adds the current row
    of each of their keys from the model itself (when incremental), and keeps per key the row
    with the newest `updated_at` (then the newest batch, then the latest arrival). Duplicates
    and versions that arrive after their successor (out of order) therefore never win, and a
    run repeated on the same batches gives the same table. Use with
    incremental_strategy='delete+insert' and unique_key = key_columns.
-#}
{% macro latest_valid_versions(base_relation, key_columns, columns) -%}
{%- set column_list = columns | join(",\n        ") -%}
{%- set key_list = key_columns | join(", ") -%}
with arrived as (
    select
        {{ column_list }}
    from {{ base_relation }}
    where _invalid_reason is null
        and _batch_id > {{ batch_watermark() }}
),

{% if is_incremental() %}
already_staged as (
    select
        {{ column_list }}
    from {{ this }}
    where ({{ key_list }}) in (select {{ key_list }} from arrived)
),

{% endif %}
candidates as (
    select * from arrived
    {% if is_incremental() %}
    union all
    select * from already_staged
    {% endif %}
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by {{ key_list }}
            order by updated_at desc, _batch_id desc, _arrived_at desc
        ) as version_rank
    from candidates
),

final as (
    select
        {{ column_list }}
    from ranked
    where version_rank = 1
)

select * from final
{%- endmacro %}
