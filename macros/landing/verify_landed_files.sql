{#-
    Checks the landing zone against its manifest before anything reads it (DuckDB), and
    returns, per source table ('erp.orders'), the paths of the files to read, oldest batch
    first. Raises, naming every batch, file and difference, when a listed file is:
    - missing, or of another size than recorded (cut short, replaced);
    - of another content: SHA-256 differs (checked for files not verified before, and again
      for a verified file whose modification time changed: a file that was read is never
      replaced, even when the manifest was rewritten to match it);
    - of another row count than the manifest says (a web file holds one row per line);
    - without a column its source declares (the column contract): an erp extract without one
      of the `columns` of its sources YAML (`meta: {optional: true}`: it may be absent), a web
      file none of whose lines has a key of the source's `json_keys.required`.
    A file with the same content as an earlier batch's file of the same table (a re-sent
    file) is skipped, with a warning naming both batches. Files that pass are recorded in
    raw._landed_files (with the invocation that first read them), so a daily run hashes the
    new batch only and stats the rest.
-#}
{% macro verify_landed_files() -%}
    {%- set landing = landing_dir() -%}
    {%- set manifest = landing ~ '/_manifest.json' -%}
    {%- set exists = run_query("select count(*) from glob(" ~ sql_string(manifest) ~ ")") -%}
    {%- if exists.columns[0].values()[0] == 0 -%}
        {{ exceptions.raise_compiler_error(
            "nothing has landed in " ~ landing ~ " (no _manifest.json): run `warehouse land "
            ~ "--through DATE` first, or set WAREHOUSE_LANDING_DIR to the landing zone") }}
    {%- endif -%}
    {%- do run_query("
        create schema if not exists raw;
        create table if not exists raw._landed_files (
            source_name varchar, entity varchar, batch_id bigint, path varchar, bytes bigint,
            sha256 varchar, row_count bigint, last_modified timestamptz,
            duplicate_of_batch bigint, first_read_by varchar, verified_at timestamptz,
            reconciled_by varchar
        );
        create or replace temp table landing_listed as
        with document as (
            select from_json(content, '{\"batches\": [{\"batch_id\": \"BIGINT\", \"files\": [{\"source\": \"VARCHAR\", \"entity\": \"VARCHAR\", \"path\": \"VARCHAR\", \"bytes\": \"BIGINT\", \"sha256\": \"VARCHAR\", \"rows\": \"BIGINT\"}]}]}') as doc
            from read_text(" ~ sql_string(manifest) ~ ")
        ),
        batches as (select unnest(doc.batches) as b from document)
        select b.batch_id, b.files is null as unrecorded, unnest(coalesce(b.files, [null])) as f
        from batches;
    ") -%}
    {%- set unrecorded = run_query(
        "select distinct batch_id from landing_listed where unrecorded order by 1") -%}
    {%- if unrecorded.rows | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "the landing manifest does not record the files of batches "
            ~ (unrecorded.columns[0].values() | join(', ')) ~ " (landed by an earlier version): "
            ~ "run `warehouse land --record-files` to record them as they are now") }}
    {%- endif -%}
    {%- set legacy = run_query(
        "select min(f.path) from landing_listed where f.path like '%.jsonl.gz'") -%}
    {%- if legacy.columns[0].values()[0] -%}
        {{ exceptions.raise_compiler_error(
            landing ~ " was written by an earlier version of the warehouse: its web batches are "
            ~ "gzip files (" ~ legacy.columns[0].values()[0] ~ "), which this version does not "
            ~ "read. Land the history again into a new landing directory (the demo: `make demo`) "
            ~ "and rebuild with `warehouse dbt build --full-refresh`.") }}
    {%- endif -%}
    {%- set glob = landing ~ '/*/*/batch=*/*.parquet' -%}
    {%- set on_disk = run_query("select count(*) from glob(" ~ sql_string(glob) ~ ")") -%}
    {%- do run_query("
        create or replace temp table landing_disk as
        select substr(filename, " ~ (landing | length + 2) ~ ") as path, size, last_modified
        from " ~ ("read_blob(" ~ sql_string(glob) ~ ")" if on_disk.columns[0].values()[0] > 0
            else "(select '' as filename, 0 as size, null::timestamptz as last_modified limit 0)") ~ ";
        create or replace temp table landing_state as
        select
            l.batch_id, l.f.source as source_name, l.f.entity as entity, l.f.path as path,
            l.f.bytes as bytes, l.f.sha256 as sha256, l.f.rows as row_count,
            d.size as disk_bytes, d.last_modified,
            v.sha256 as verified_sha256, v.last_modified as verified_modified,
            v.duplicate_of_batch
        from landing_listed as l
        left join landing_disk as d on d.path = l.f.path
        left join raw._landed_files as v on v.path = l.f.path and v.batch_id = l.batch_id;
    ") -%}
    {%- set problems = [] -%}
    {%- set damaged = run_query("
        select batch_id, source_name, entity, path,
            case when disk_bytes is null then 'the file is missing'
                else 'it has ' || disk_bytes || ' bytes, the manifest records ' || bytes
                    || ' (cut short or replaced)' end
        from landing_state
        where disk_bytes is null or disk_bytes <> bytes
        order by batch_id, path") -%}
    {%- for row in damaged.rows -%}
        {%- do problems.append(row) -%}
    {%- endfor -%}
    {#- files to hash: never verified, or touched since -#}
    {%- set to_hash = run_query("
        select path, source_name, batch_id, sha256, row_count from landing_state
        where disk_bytes = bytes
            and (verified_sha256 is null or verified_modified is distinct from last_modified)
        order by batch_id, path") -%}
    {%- set new_files = [] -%}
    {%- if to_hash.rows | length > 0 -%}
        {%- set paths = [] -%}
        {%- for row in to_hash.rows -%}
            {%- do paths.append(sql_string(landing ~ '/' ~ row[0])) -%}
        {%- endfor -%}
        {%- do run_query("
            create or replace temp table landing_hashed as
            select substr(filename, " ~ (landing | length + 2) ~ ") as path, sha256(content) as actual
            from read_blob([" ~ (paths | join(', ')) ~ "])") -%}
        {%- set changed = run_query("
            select s.batch_id, s.source_name, s.entity, s.path,
                case when h.actual <> s.sha256
                    then 'its SHA-256 is ' || h.actual || ', the manifest records ' || s.sha256
                        || ' (the content changed after landing)'
                    else 'it was read before with other content (SHA-256 ' || s.verified_sha256
                        || '): a batch that was read is never replaced; send the change as a new batch'
                end
            from landing_state as s join landing_hashed as h using (path)
            where h.actual <> s.sha256 or h.actual <> coalesce(s.verified_sha256, h.actual)
            order by s.batch_id, s.path") -%}
        {%- for row in changed.rows -%}
            {%- do problems.append(row) -%}
        {%- endfor -%}
        {%- if changed.rows | length == 0 -%}
            {%- set problems = problems + verify_row_counts(landing, to_hash) -%}
            {%- set problems = problems + verify_column_contracts(landing, to_hash) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if problems | length > 0 -%}
        {%- set lines = [] -%}
        {%- for batch_id, source_name, entity, path, difference in problems -%}
            {%- do lines.append("  - " ~ source_name ~ "." ~ entity ~ ", batch " ~ batch_id
                ~ " (" ~ landing ~ "/" ~ path ~ "): " ~ difference) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "the landing zone does not match its manifest, so nothing was read:\n"
            ~ (lines | join('\n'))
            ~ "\nRepair the files (have the source send the batch again, or restore it) and run "
            ~ "again: the batches are then read whole. See docs/operations.md, 'A landed file "
            ~ "is refused'.") }}
    {%- endif -%}
    {#- record what was verified; a file with an earlier file's content is a duplicate -#}
    {%- do run_query("
        delete from raw._landed_files
        where path in (select path from landing_state
                       where disk_bytes = bytes and verified_modified is distinct from last_modified);
        insert into raw._landed_files
        select s.source_name, s.entity, s.batch_id, s.path, s.bytes, s.sha256, s.row_count,
            s.last_modified,
            -- an empty file is not a delivery: two empty batches are not duplicates
            case when s.row_count > 0 then coalesce(s.duplicate_of_batch, (
                select min(e.batch_id) from landing_state as e
                where e.source_name = s.source_name and e.entity = s.entity
                    and e.sha256 = s.sha256 and e.batch_id < s.batch_id
            )) end as duplicate_of_batch,
            " ~ sql_string(invocation_id) ~ ", now(), null
        from landing_state as s
        where s.disk_bytes = s.bytes
            and (s.verified_sha256 is null or s.verified_modified is distinct from s.last_modified);
    ") -%}
    {%- set duplicates = run_query("
        select v.source_name || '.' || v.entity, v.batch_id, v.duplicate_of_batch, v.path
        from raw._landed_files as v
        where v.duplicate_of_batch is not null and v.first_read_by = " ~ sql_string(invocation_id) ~ "
        order by 2") -%}
    {%- for name, batch_id, original, path in duplicates.rows -%}
        {{ log("warning: " ~ name ~ ", batch " ~ batch_id ~ " (" ~ path ~ ") has the same content "
            ~ "as batch " ~ original ~ " (a re-sent file): skipped, not read again", info=True) }}
    {%- endfor -%}
    {%- set readable = {} -%}
    {%- set files = run_query("
        select v.source_name || '.' || v.entity, " ~ sql_string(landing ~ '/') ~ " || v.path
        from landing_listed as l
        join raw._landed_files as v on v.path = l.f.path and v.batch_id = l.batch_id
        where v.duplicate_of_batch is null
        order by v.batch_id, v.path") -%}
    {%- for name, path in files.rows -%}
        {%- do readable.setdefault(name, []).append(path) -%}
    {%- endfor -%}
    {{ return(readable) }}
{%- endmacro %}


{#- Problems (batch, source, entity, path, difference) of files whose rows differ from the
    manifest: row counts from the Parquet footers (a web file holds one row per line). -#}
{% macro verify_row_counts(landing, to_hash) -%}
    {%- set files = [] -%}
    {%- for path, source_name, batch_id, sha256, row_count in to_hash.rows -%}
        {%- do files.append(sql_string(landing ~ '/' ~ path)) -%}
    {%- endfor -%}
    {%- set counted = ["select file_name as filename, num_rows as actual from "
        ~ "parquet_file_metadata([" ~ (files | join(', ')) ~ "])"] -%}
    {%- set result = run_query("
        with counted as (" ~ (counted | join(' union all ')) ~ ")
        select s.batch_id, s.source_name, s.entity, s.path,
            'it holds ' || coalesce(c.actual, 0) || ' rows, the manifest records ' || s.row_count
        from landing_state as s
        join counted as c on substr(c.filename, " ~ (landing | length + 2) ~ ") = s.path
        where c.actual <> s.row_count
        order by s.batch_id, s.path") -%}
    {{ return(result.rows | list) }}
{%- endmacro %}


{#- Problems of new files that lack a column their source declares (column contract): erp
    files by their Parquet schema, web files by the JSON keys of their lines (a required key
    that no line of the batch carries; lines that are not JSON are the quarantine's). -#}
{% macro verify_column_contracts(landing, to_hash) -%}
    {{ return(verify_parquet_columns(landing, to_hash) + verify_json_keys(landing, to_hash)) }}
{%- endmacro %}


{% macro verify_json_keys(landing, to_hash) -%}
    {%- set problems = [] -%}
    {%- for node in graph.sources.values()
        if node.package_name == project_name and node.meta.get('json_keys') -%}
        {%- set contract = node.meta.get('json_keys') -%}
        {%- set files = [] -%}
        {%- for path, source_name, batch_id, sha256, row_count in to_hash.rows
            if source_name == node.source_name and ('/' ~ node.name ~ '/') in path
                and row_count > 0 -%}
            {%- do files.append(sql_string(landing ~ '/' ~ path)) -%}
        {%- endfor -%}
        {%- if files -%}
            {%- set required = [] -%}
            {%- for key in contract.get('required', []) -%}
                {%- do required.append(sql_string(key)) -%}
            {%- endfor -%}
            {%- set named = required + [] -%}
            {%- for key in contract.get('optional', []) -%}
                {%- do named.append(sql_string(key)) -%}
            {%- endfor -%}
            {%- set result = run_query("
                with lines as (
                    select filename, raw_line
                    from read_parquet([" ~ (files | join(', ')) ~ "], filename = true)
                    where json_valid(raw_line)
                ),
                found as (
                    select distinct filename, unnest(json_keys(raw_line)) as key from lines
                ),
                files as (select distinct filename from lines),
                required (key) as (values (" ~ (required | join('), (')) ~ "))
                select s.batch_id, s.source_name, s.entity, s.path,
                    'declared column ' || r.key || ' is missing (missing_column:' || r.key
                    || '); the file has columns the contract does not name: ' || coalesce((
                        select string_agg(distinct f.key, ', ' order by f.key) from found as f
                        where f.filename = files.filename
                            and f.key not in (" ~ (named | join(', ')) ~ ")
                    ), 'none')
                from files
                cross join required as r
                join landing_state as s
                    on s.path = substr(files.filename, " ~ (landing | length + 2) ~ ")
                where not exists (
                    select 1 from found as f where f.filename = files.filename and f.key = r.key)
                order by s.batch_id, r.key") -%}
            {%- for row in result.rows -%}
                {%- do problems.append(row) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}


{% macro verify_parquet_columns(landing, to_hash) -%}
    {%- set parquet = [] -%}
    {%- for path, source_name, batch_id, sha256, row_count in to_hash.rows if path.endswith('.parquet') -%}
        {%- do parquet.append(sql_string(landing ~ '/' ~ path)) -%}
    {%- endfor -%}
    {%- if not parquet -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set declared = [] -%}
    {%- for node in graph.sources.values() if node.package_name == project_name -%}
        {%- for column in node.columns.values() -%}
            {%- do declared.append("(" ~ sql_string(node.source_name) ~ ", "
                ~ sql_string(node.name) ~ ", " ~ sql_string(column.name) ~ ", "
                ~ ('false' if column.meta.get('optional') else 'true') ~ ")") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not declared -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query("
        with found as (
            select distinct substr(file_name, " ~ (landing | length + 2) ~ ") as path, name
            from parquet_schema([" ~ (parquet | join(', ')) ~ "])
        ),
        declared (source_name, entity, column_name, required) as (values " ~ (declared | join(', ')) ~ ")
        select s.batch_id, s.source_name, s.entity, s.path,
            'declared column ' || d.column_name || ' is missing (missing_column:' || d.column_name
                || '); the file has columns the contract does not name: ' || coalesce((
                    select string_agg(f.name, ', ' order by f.name) from found as f
                    where f.path = s.path and f.name <> 'duckdb_schema'
                        and f.name not in (select column_name from declared as x
                                           where x.source_name = s.source_name and x.entity = s.entity)
                ), 'none')
        from landing_state as s
        join declared as d on d.source_name = s.source_name and d.entity = s.entity and d.required
        where s.path in (select path from found)
            and not exists (select 1 from found as f where f.path = s.path and f.name = d.column_name)
        order by s.batch_id, s.path, d.column_name") -%}
    {{ return(result.rows | list) }}
{%- endmacro %}
