"""Reusable test suites, subclassed per implementation: executors and study storages.

A suite is a class of tests whose fixtures a subclass fills in (``automl_params`` for executors,
``storage`` for storages), as in Optuna's ``optuna/testing/pytest_samplers.py``. The subclasses for
PostgreSQL and Dask live next to their server fixtures in tests/integration/.
"""
