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
