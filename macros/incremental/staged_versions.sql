{#-
    For a staging model's candidates CTE, after `select * from arrived`: on an incremental run,
    `union all` the rows the model already holds for the keys that arrived again, so that the
    staged version competes with the new ones; nothing on a full build.
-#}
{% macro staged_versions_of_arrived_keys(columns, key_columns) -%}
    {%- if is_incremental() -%}
    {%- set key_list = key_columns | join(', ') -%}
    union all
    select
        {{ columns | join(",\n        ") }}
    from {{ this }}
    where ({{ key_list }}) in (select {{ key_list }} from arrived)
    {%- endif -%}
{%- endmacro %}


{#-
    The keys of a snapshot with versions newer than `watermark` (a batch), each with the
    newest such batch and the earliest time its new versions cover in the dimension built
    from the snapshot: the earliest new dbt_valid_from, or the beginning of time when the key
    had no version before (scd_validity_columns stretches a key's first version back to it).
    A fact dated before that time keeps the version it points to.
-#}
{% macro new_snapshot_versions(snapshot, key_column, watermark) -%}
select
    new_versions.{{ key_column }},
    new_versions._batch_id,
    case
        when exists (
                select 1 from {{ snapshot }} as earlier
                where
                    earlier.{{ key_column }} = new_versions.{{ key_column }}
                    and earlier._batch_id <= {{ watermark }}
            ) then new_versions.changed_from
        else {{ beginning_of_time() }}
    end as changed_from
from (
    select
        {{ key_column }},
        min(dbt_valid_from) as changed_from,
        max(_batch_id) as _batch_id
    from {{ snapshot }}
    where _batch_id > {{ watermark }}
    group by {{ key_column }}
) as new_versions
{%- endmacro %}
