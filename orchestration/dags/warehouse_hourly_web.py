"""Airflow DAG warehouse_hourly_web: hourly micro-batches of the clickstream, web models only
(docs/orchestration.md).

Thin on purpose: the schedule, retries, pools and alerts come from orchestration/config.yml,
the tasks from dbt's manifest; the code is warehouse.orchestration.dags.
"""

from warehouse.orchestration.dags import hourly_web_dag

dag = hourly_web_dag()
