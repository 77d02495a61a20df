"""The Data step: sources, uploads, preview and column profile."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.problem._tables import MSG_TABLE_TYPE as MSG_UPLOAD_TYPE
from jupyter_automl.widgets._data import (
    MSG_DUPLICATE,
    data_part,
    demo_sources,
    frame_from_namespace,
    namespace_frames,
    read_upload,
)


def test_demo_sources_describe_every_demo():
    demos = {d["name"]: d for d in demo_sources()}
    assert set(demos) == {"adult", "german_credit", "breast_cancer", "wine", "diabetes", "digits"}
    assert demos["german_credit"]["target"] == "class" and demos["wine"]["task"] == "multiclass"


def test_namespace_frames_lists_only_public_dataframes():
    ns = {"df": pd.DataFrame({"a": [1, 2]}), "_hidden": pd.DataFrame({"a": [1]}),
          "big": pd.DataFrame(np.zeros((10, 3))), "n": 3, "s": pd.Series([1])}
    assert namespace_frames(ns) == [{"name": "big", "rows": 10, "cols": 3},
                                    {"name": "df", "rows": 2, "cols": 1}]
    with pytest.raises(InputError, match="not a pandas DataFrame"):
        frame_from_namespace(ns, "s")
    with pytest.raises(InputError, match="There is no variable 'gone'"):
        frame_from_namespace(ns, "gone")


def test_uploads_read_csv_semicolon_tsv_gzip_and_parquet():
    df = pd.DataFrame({"a": [1.5, 2.5, 3.5], "b": ["x", "y", "z"]})
    assert read_upload("d.csv", df.to_csv(index=False).encode()).equals(df)
    assert read_upload("d.csv", df.to_csv(index=False, sep=";").encode()).equals(df)
    assert read_upload("d.tsv", df.to_csv(index=False, sep="\t").encode()).equals(df)
    gz = io.BytesIO()
    df.to_csv(gz, index=False, compression="gzip")
    assert read_upload("d.csv.gz", gz.getvalue()).equals(df)
    pq = io.BytesIO()
    df.to_parquet(pq)
    pd.testing.assert_frame_equal(read_upload("d.parquet", pq.getvalue()), df)
    with pytest.raises(InputError) as info:
        read_upload("d.xlsx", b"...")
    assert str(info.value) == MSG_UPLOAD_TYPE.format(name="d.xlsx")


def test_data_part_previews_and_profiles_every_column():
    df = pd.DataFrame({"num": [1.0, 2.0, np.nan, 4.0] * 10, "cat": ["a", "b", "a", "c"] * 10,
                       "y": [0, 1] * 20})
    part = data_part(df, name="mine", kind="variable")
    assert (part["rows"], part["cols"]) == (40, 3)
    assert part["preview"]["columns"] == ["num", "cat", "y"]
    assert part["preview"]["rows"][2] == [None, "a", 0]
    prof = {c["name"]: c for c in part["profile"]}
    assert prof["num"]["kind"] == "numeric" and prof["num"]["missing"] == pytest.approx(0.25)
    assert prof["num"]["sketch"]["type"] == "hist" and sum(prof["num"]["sketch"]["counts"]) == 30
    assert prof["cat"]["sketch"] == {"type": "bars", "labels": ["a", "b", "c"], "counts": [20, 10, 10],
                                     "total": 40}


def test_data_part_refuses_duplicate_columns():
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(InputError) as info:
        data_part(df, name="d", kind="variable")
    assert str(info.value) == MSG_DUPLICATE.format(names=["a"])
