{#-
    PostgreSQL: drops a relation (dbt calls this for the old copy of a rebuilt table) without
    taking part in a deadlock. Dropping a table with foreign keys, or one that other tables'
    foreign keys reference, takes an exclusive lock on each of those tables, one after the
    other. A fact built at the same time holds read locks on the dimensions its query read
    and, in its post-hook, asks for a lock on each dimension it adds a foreign key to: if the
    drop already holds one of those and waits for another, PostgreSQL aborts one of the two
    (seen with `dbt build --full-refresh` of an existing warehouse: fct_sessions' old copy
    holding dim_dates and waiting for dim_customers, which fct_events was reading). So the
    drop first takes all those locks at once or none: it tries them without waiting, lets
    every one go when one is taken (a subtransaction rolled back), waits a little and tries
    again. It never waits while holding one, so it cannot close a cycle.
-#}
{% macro postgres__drop_relation(relation) -%}
    {% call statement('drop_relation', auto_begin=False) -%}
        {%- if relation.type == 'table' %}
        do $body$
        declare
            related text;
        begin
            if to_regclass('{{ relation }}') is null then
                return;
            end if;
            select string_agg(name, ', ' order by name) into related
            from (
                select distinct related_table::regclass::text as name
                from (
                    select confrelid as related_table from pg_constraint
                    where contype = 'f' and conrelid = '{{ relation }}'::regclass
                    union
                    select conrelid from pg_constraint
                    where contype = 'f' and confrelid = '{{ relation }}'::regclass
                ) as keyed
                where related_table <> '{{ relation }}'::regclass
            ) as names;
            if related is null then
                return;
            end if;
            loop
                begin
                    execute 'lock table ' || related || ' in access exclusive mode nowait';
                    exit;
                exception when lock_not_available then
                    perform pg_sleep(0.2);
                end;
            end loop;
        end
        $body$;
        {%- endif %}
        {{ get_drop_sql(relation) }}
    {%- endcall %}
{%- endmacro %}
