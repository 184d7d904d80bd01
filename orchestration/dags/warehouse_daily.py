"""Airflow DAG warehouse_daily: the warehouse's daily run (docs/orchestration.md).

Thin on purpose: the schedule, retries, pools, deadline and alerts come from
orchestration/config.yml, the tasks from dbt's manifest; the code is
warehouse.orchestration.dags, installed with the project (`pip install -e '.[airflow]'`).
"""

from warehouse.orchestration.dags import daily_dag

dag = daily_dag()
