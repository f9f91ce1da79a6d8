"""Celery tasks of the clauses app: one module per part, imported here so that autodiscovery finds them."""

from . import (
    tasks_imports,  # noqa: F401
    tasks_privacy,  # noqa: F401
    tasks_programming,  # noqa: F401
    tasks_statements,  # noqa: F401
)
