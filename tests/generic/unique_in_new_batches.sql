{#-
    A record key within its batch: among the rows of the batches this run reads first
    (claimed_batches(): the batches it reconciles, every batch on a full refresh), the column
    is never null and never repeats within a batch. As the key holds the batch, this is
    uniqueness over the whole model, checked once per batch instead of over all of history on
    every run. Returns one row per key that is null or occurs more than once, with its count.

    Written here rather than as dbt_utils.unique_combination_of_columns with a `where`
    config: dbt renders `where` like any YAML config, without the project's macros and when
    the project is parsed, so it cannot name the batches a run claims.
-#}
{% test unique_in_new_batches(model, column_name, source_name, batch_column='_batch_id') %}

select
    {{ batch_column }},
    {{ column_name }},
    count(*) as occurrences
from {{ model }}
where {{ batch_column }} in ({{ claimed_batches(source_name) }})
group by {{ batch_column }}, {{ column_name }}
having count(*) > 1 or {{ column_name }} is null

{% endtest %}
