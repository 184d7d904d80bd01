"""Simulator of the two source systems, the erp (a TPC-H database replayed as a history of
changes) and the ordering portal's web clickstream, with faults injected on purpose.

``generate`` writes the whole history of both into a folder (``history``); ``erp`` and
``web`` hold each source's configuration and SQL driver, ``dates`` and ``randomness`` the
calendar and the seeded randomness they share, ``sql/`` the SQL, loaded by name
(``sqlfiles``)."""

from warehouse.simulate.dates import HISTORY_START
from warehouse.simulate.erp import DRIFT_COLUMN, ENTITIES, ENTITY_KEYS, FaultConfig
from warehouse.simulate.history import SimulationMeta, generate, load_meta
from warehouse.simulate.randomness import rnd_sql
from warehouse.simulate.web import (
    BOT_USER_AGENTS,
    EVENT_TYPES,
    EVENTS_FILE,
    FAULTS,
    UNKNOWN_EVENT_TYPES,
    WEB_DIR,
    WebConfig,
)

__all__ = [
    "BOT_USER_AGENTS",
    "DRIFT_COLUMN",
    "ENTITIES",
    "ENTITY_KEYS",
    "EVENTS_FILE",
    "EVENT_TYPES",
    "FAULTS",
    "HISTORY_START",
    "UNKNOWN_EVENT_TYPES",
    "WEB_DIR",
    "FaultConfig",
    "SimulationMeta",
    "WebConfig",
    "generate",
    "load_meta",
    "rnd_sql",
]
