{#- Casts text to a type, giving null instead of an error when the text does not parse. -#}
{% macro safe_parse(field, type) -%}
    {{ return(adapter.dispatch('safe_parse', 'warehouse')(field, type)) }}
{%- endmacro %}

{#- DuckDB: try_cast, after the text matches the pattern every engine requires of the type
    (parse_function_patterns in macros/parse_functions.sql). -#}
{% macro duckdb__safe_parse(field, type) -%}
    {%- set pattern = parse_function_patterns().get(parse_function_name(type)) -%}
    {%- if pattern -%}
    case when regexp_matches({{ field }}, '{{ pattern }}') then try_cast({{ field }} as {{ type }}) end
    {%- else -%}
    try_cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL has no try_cast: the try_* functions made by create_parse_functions(). -#}
{% macro postgres__safe_parse(field, type) -%}
    {%- set function = parse_function_name(type) -%}
    {%- if function not in parse_function_types().keys() | list -%}
        {{ exceptions.raise_compiler_error(
            "safe_parse has no PostgreSQL function for type '" ~ type ~ "': add it to "
            ~ "parse_function_types() in macros/parsing.sql") }}
    {%- endif -%}
    {{ parse_function_schema() }}.{{ function }}({{ field }})
{%- endmacro %}

{% macro default__safe_parse(field, type) -%}
    {{ exceptions.raise_compiler_error(
        "safe_parse is not implemented for adapter '" ~ adapter.type() ~ "': add a "
        ~ adapter.type() ~ "__safe_parse macro in macros/parsing.sql") }}
{%- endmacro %}


{#-
    Closes a CTE whose columns are parse results (a JSON document, try_* casts) so that each is
    computed once per row. PostgreSQL inlines a CTE that is read once into its reader and puts
    the expression itself wherever the column is used: with the parse functions stable (or
    immutable, measured: 30 parses per line, 22 s instead of 2 s for SF 0.01's 295 k lines),
    a line's JSON would be parsed once per field read from it. `offset 0` keeps the CTE a
    subquery of its own, computed once per row and streamed to its reader. (With volatile
    functions instead, PostgreSQL stores the whole CTE, every line with its document, in
    temporary files: over 40 GB at SF 1.) On DuckDB it renders nothing.
-#}
{% macro evaluate_once() -%}
    {{ return(adapter.dispatch('evaluate_once', 'warehouse')()) }}
{%- endmacro %}

{% macro default__evaluate_once() -%}
{%- endmacro %}

{% macro postgres__evaluate_once() -%}
    offset 0
{%- endmacro %}


{#-
    A relation with computed columns added, each computed once per row, for a model that stays
    a view on PostgreSQL. columns: list of [expression, name]; the expressions read the
    relation's columns by their bare names. Use as `select * from {{ with_computed(...) }}`.

    PostgreSQL: a lateral subquery closed by `offset 0`, computed once per row of the relation
    (like evaluate_once()) while the relation itself is still flattened into the reader's
    query, so a reader's filter on one of the relation's own columns (the batch) reaches the
    raw table. A whole CTE closed by `offset 0` would block it: in a view, every reader would
    parse the whole history. DuckDB: a subquery adding the columns (a lateral join there
    becomes a join on the row's values, 4x slower).
-#}
{% macro with_computed(relation, columns) -%}
    {{ return(adapter.dispatch('with_computed', 'warehouse')(relation, columns)) }}
{%- endmacro %}

{% macro default__with_computed(relation, columns) -%}
    (
        select
            {{ relation }}.*,
            {%- for expression, name in columns %}
            {{ expression }} as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ relation }}
    ) as {{ relation }}_computed
{%- endmacro %}

{% macro postgres__with_computed(relation, columns) -%}
    {{ relation }}
    cross join lateral (
        select
            {%- for expression, name in columns %}
            {{ expression }} as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        {{ evaluate_once() }}
    ) as {{ relation }}_computed
{%- endmacro %}


{#- True when a raw text value is present but did not parse into its type. -#}
{% macro failed_parse(raw, parsed) -%}
    ({{ raw }} is not null and {{ parsed }} is null)
{%- endmacro %}


{#-
    The first failed check as a reason code, or null when the row is valid.
    checks: list of [condition_sql, reason] pairs, tested in order.
-#}
{% macro first_failure(checks) -%}
    case
    {%- for condition, reason in checks %}
        when {{ condition }} then '{{ reason }}'
    {%- endfor %}
    end
{%- endmacro %}


{#-
    The two validation columns of a base model: `_invalid_reason` (first_failure of the checks)
    and `_raw_payload`, the row as landed (payload: a SQL expression), kept for invalid rows
    only. The quarantines are its only readers, and on PostgreSQL, where base models are
    stored, a payload on every valid row doubled the size of each base table. The checks are
    written out twice (once per column): they compare columns already parsed, so repeating them
    is cheap, and it keeps each base model's final select reading its parsing CTE directly.
-#}
{% macro validation_columns(checks, payload) -%}
    {{ first_failure(checks) }} as _invalid_reason,
    case when {{ first_failure(checks) }} is not null then {{ payload }} end as _raw_payload
{%- endmacro %}


{#- The raw values of a row as one JSON text, kept with quarantined rows. -#}
{% macro raw_payload(columns) -%}
    {{ return(adapter.dispatch('raw_payload', 'warehouse')(columns)) }}
{%- endmacro %}

{% macro duckdb__raw_payload(columns) -%}
    cast(to_json({ {%- for c in columns %}'{{ c }}': {{ c }}{{ ", " if not loop.last }}{%- endfor %} }) as varchar)
{%- endmacro %}

{% macro default__raw_payload(columns) -%}
    cast(json_build_object(
        {%- for c in columns %}'{{ c }}', {{ c }}{{ ", " if not loop.last }}{%- endfor %}
    ) as varchar)
{%- endmacro %}


{#-
    A source column that appears in the extract from some date on (schema drift): the column
    when the landed files have it, otherwise a typed null, so that models keep one schema.
    A source that does not exist yet (nothing loaded; sqlfluff compiling against an empty
    database) has no columns, so the column counts as absent.
-#}
{% macro column_if_present(relation, column, type) -%}
    {%- set present = false -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) -%}
        {%- set present = column in (columns | map(attribute='name') | map('lower') | list) -%}
    {%- endif -%}
    {%- if present -%}
        cast({{ column }} as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{%- endmacro %}


{#-
    A text column parsed once into a document with the given top-level keys, or null when the
    text is not valid JSON. Read its fields with json_field(document, key), which gives text
    (null when the key is absent). A line is parsed once, not once per field: on DuckDB the
    document is a struct of text fields (json_transform), 7x faster than one `->>` per field,
    which parses the line again for each field (bench/json_parse.py: 2.1 s against 14.8 s
    for the 2.9 M lines of SF 0.1).
-#}
{% macro json_document(text_column, keys) -%}
    {{ return(adapter.dispatch('json_document', 'warehouse')(text_column, keys)) }}
{%- endmacro %}

{% macro duckdb__json_document(text_column, keys) -%}
    {%- set structure = [] -%}
    {%- for key in keys -%}
        {%- do structure.append('"' ~ key ~ '": "VARCHAR"') -%}
    {%- endfor -%}
    json_transform(try_cast({{ text_column }} as json), '{ {{- structure | join(", ") -}} }')
{%- endmacro %}

{#- jsonb is parsed once on the way in; fields are then read with ->>. -#}
{% macro postgres__json_document(text_column, keys) -%}
    {{ parse_function_schema() }}.try_jsonb({{ text_column }})
{%- endmacro %}

{% macro default__json_document(text_column, keys) -%}
    {{ exceptions.raise_compiler_error(
        "json_document is not implemented for adapter '" ~ adapter.type() ~ "': add a "
        ~ adapter.type() ~ "__json_document macro in macros/parsing.sql") }}
{%- endmacro %}


{#- One top-level field of a document made by json_document, as text (null when absent). -#}
{% macro json_field(document, key) -%}
    {{ return(adapter.dispatch('json_field', 'warehouse')(document, key)) }}
{%- endmacro %}

{% macro duckdb__json_field(document, key) -%}
    struct_extract({{ document }}, '{{ key }}')
{%- endmacro %}

{% macro default__json_field(document, key) -%}
    ({{ document }} ->> '{{ key }}')
{%- endmacro %}


{#- The batch number of a landed line: the batch=N folder of its file (a hive partition). -#}
{% macro landed_batch_id() -%}
    {{ return(adapter.dispatch('landed_batch_id', 'warehouse')()) }}
{%- endmacro %}

{% macro duckdb__landed_batch_id() -%}
    batch
{%- endmacro %}

{#- Engines with loaded raw tables: the loader stores the batch in a column. -#}
{% macro default__landed_batch_id() -%}
    _batch_id
{%- endmacro %}


{#-
    Pseudonymises a personal value (IP address): a salted hash, so the same value maps to the
    same token and can be counted and joined, but not read back. The salt comes from the
    WAREHOUSE_PII_SALT environment variable.
-#}
{% macro pseudonymise(column) -%}
    {{ dbt.hash("'" ~ env_var('WAREHOUSE_PII_SALT', 'warehouse-demo-salt') ~ "' || " ~ column) }}
{%- endmacro %}


{#- The host name of a URL ('https://www.google.com/search?q=x' -> 'www.google.com'). -#}
{% macro url_host(url) -%}
    {{ return(adapter.dispatch('url_host', 'warehouse')(url)) }}
{%- endmacro %}

{% macro duckdb__url_host(url) -%}
    nullif(regexp_extract({{ url }}, '^[a-zA-Z]+://([^/?#:]+)', 1), '')
{%- endmacro %}

{% macro postgres__url_host(url) -%}
    nullif(substring({{ url }} from '^[a-zA-Z]+://([^/?#:]+)'), '')
{%- endmacro %}


{#-
    Validation checks ([condition, reason] pairs for validation_columns) that name the raw
    column they judge, so a quarantined record says what to fix (`bad_type:l_quantity`).
    columns: list of [raw text column, parsed column].
    - key_checks: `missing_key:<raw>` when a key is empty, then `bad_type:<raw>` when it does
      not parse (all keys' emptiness first);
    - value_checks: `missing_value:<raw>` when a required value is empty (required=false: an
      empty value is allowed), `bad_type:<raw>` when it does not parse;
    - code_check: `unknown_code:<raw>` when the value is not one of codes (an empty one passes).
-#}
{% macro key_checks(columns) -%}
    {%- set checks = [] -%}
    {%- for raw, parsed in columns -%}
        {%- do checks.append([raw ~ " is null", "missing_key:" ~ raw]) -%}
    {%- endfor -%}
    {%- for raw, parsed in columns -%}
        {%- do checks.append([failed_parse(raw, parsed), "bad_type:" ~ raw]) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}

{% macro value_checks(columns, required=true) -%}
    {%- set checks = [] -%}
    {%- for raw, parsed in columns -%}
        {%- if required -%}
            {%- do checks.append([raw ~ " is null", "missing_value:" ~ raw]) -%}
        {%- endif -%}
        {%- do checks.append([failed_parse(raw, parsed), "bad_type:" ~ raw]) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}

{% macro code_check(raw, codes) -%}
    {%- set quoted = [] -%}
    {%- for code in codes -%}
        {%- do quoted.append("'" ~ code ~ "'") -%}
    {%- endfor -%}
    {{ return([raw ~ " not in (" ~ quoted | join(", ") ~ ")", "unknown_code:" ~ raw]) }}
{%- endmacro %}
