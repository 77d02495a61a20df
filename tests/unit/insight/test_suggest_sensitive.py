"""suggest_sensitive(): any table's protected attributes by name and by values, with the reason."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_automl.insight import suggest_sensitive


def _recidivism(n=200, seed=0):
    """Shaped like the public recidivism table a new user tried (held in a DataFrame)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "sex": rng.choice(["Male", "Female"], n),
        "age": rng.integers(18, 70, n),
        "age_cat": rng.choice(["Less than 25", "25 - 45", "Greater than 45"], n),
        "race": rng.choice(["African-American", "Caucasian", "Hispanic", "Other"], n),
        "juv_fel_count": rng.integers(0, 3, n),
        "priors_count": rng.integers(0, 10, n),
        "c_charge_degree": rng.choice(["F", "M"], n),  # felony/misdemeanour, not sex
        "page_views": rng.integers(0, 5, n), "usage": rng.normal(size=n), "average": rng.normal(size=n),
        "two_year_recid": rng.integers(0, 2, n),
    })


def test_a_recidivism_table_gets_sex_race_and_age_with_reasons():
    found = {s.column: s for s in suggest_sensitive(_recidivism(), exclude=["two_year_recid"])}
    assert list(found) == ["sex", "age", "age_cat", "race"]
    assert found["sex"].attribute == "sex or gender"
    assert found["sex"].reason.startswith("Its name says sex or gender, and its values look like it (")
    assert "Male" in found["sex"].reason and "Female" in found["sex"].reason
    assert found["race"].reason.startswith("Its name says race or ethnicity, and its values look like it (")
    assert found["age"].reason == "Its name says age."
    assert found["age"].to_dict() == {"column": "age", "attribute": "age", "reason": "Its name says age."}


def test_values_alone_reveal_an_attribute_under_any_name():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"col_a": rng.choice(["male", "female", "M", "F"], 50), "code": rng.choice(["M", "F"], 50), "q7": rng.choice(["Married", "Divorced", "Single"], 50),
                      "grp": rng.choice(["White", "Black", "Asian"], 50), "city": rng.choice(["Oslo", "Rome"], 50),
                      "one_m": ["M"] + ["x"] * 49})
    found = {s.column: s for s in suggest_sensitive(X)}
    assert list(found) == ["col_a", "q7", "grp"]
    assert found["q7"].attribute == "marital status" and found["q7"].reason.startswith("Its values look like marital status (")
    assert found["grp"].attribute == "race or ethnicity"


def test_names_in_any_case_style_and_compound_words():
    X = pd.DataFrame({c: [1, 2] for c in ["Gender", "MaritalStatus", "native-country", "personal_status",
                                          "ReligiousAffiliation", "date_of_birth_year", "mileage", "stage"]})
    found = {s.column: s.attribute for s in suggest_sensitive(X)}
    assert found == {"Gender": "sex or gender", "MaritalStatus": "marital status",
                     "native-country": "nationality or origin", "personal_status": "marital status",
                     "ReligiousAffiliation": "religion", "date_of_birth_year": "age"}
