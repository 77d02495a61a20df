"""``suggest_sensitive``: columns of any table that look like protected attributes, with the reason.

A suggestion, for the person to confirm: a column is suggested when its name is a word for a
protected attribute (sex, gender, race, ethnicity, age, religion, nationality, marital status,
disability...) or when its values are that attribute's usual categories ("Male"/"Female",
"White"/"Black"/"Asian", "Married"/"Divorced"...). Names are split into words first, so "page",
"usage" and "average" are not "age".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

# attribute -> words that name it (whole words of the column name)
NAMES = {
    "sex or gender": {"sex", "gender", "gndr"},
    "race or ethnicity": {"race", "racial", "ethnicity", "ethnic", "ethnicities"},
    "age": {"age", "dob", "birthdate", "birthday", "birthyear", "yob"},
    "religion": {"religion", "religious", "faith"},
    "nationality or origin": {"nationality", "citizenship", "citizen", "nativecountry", "immigrant",
                              "countryofbirth", "birthcountry"},
    "marital status": {"marital", "married", "spouse", "maritalstatus", "personalstatus"},
    "disability": {"disability", "disabled", "handicap"},
    "sexual orientation": {"orientation", "lgbt", "lgbtq"},
    "pregnancy": {"pregnant", "pregnancy"},
}
# attribute -> values (lower case) that are its usual categories
VALUES = {
    "sex or gender": {"male", "female", "m", "f", "man", "woman", "men", "women", "non-binary",
                      "nonbinary"},
    "race or ethnicity": {"white", "black", "asian", "hispanic", "latino", "latina", "caucasian",
                          "african-american", "african american", "native american", "asian-pac-islander",
                          "amer-indian-eskimo", "pacific islander", "arab", "mixed", "multiracial"},
    "marital status": {"married", "single", "divorced", "widowed", "separated", "never-married",
                       "married-civ-spouse", "married-spouse-absent", "married-af-spouse", "widow"},
    "religion": {"christian", "muslim", "jewish", "hindu", "buddhist", "catholic", "protestant",
                 "atheist", "sikh", "agnostic"},
}
MIN_MATCHING_VALUES = 2  # distinct values of the vocabulary present (one "M" alone proves nothing)
MIN_SHARE = 0.5  # of the non-missing rows whose value is in the vocabulary
MAX_LEVELS = 50  # more distinct values than this: not a categorical attribute


@dataclass(frozen=True)
class SensitiveSuggestion:
    column: str
    attribute: str  # e.g. "race or ethnicity"
    reason: str  # one sentence for the person to judge

    def to_dict(self) -> dict[str, str]:
        return {"column": self.column, "attribute": self.attribute, "reason": self.reason}


def _words(name: str) -> list[str]:
    """Split a column name into lower-case words: snake, kebab, camel case and digits."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^a-zA-Z]+", spaced.lower()) if w]


def _by_name(name: str) -> str | None:
    words = _words(name)
    joined = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    for attribute, names in NAMES.items():
        if names & joined:
            return attribute
    return None


def _by_values(column: pd.Series) -> tuple[str, list[str]] | None:
    if not isinstance(column, pd.Series):  # duplicated column names: not ours to guess
        return None
    values = column.dropna()
    if len(values) == 0 or pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    counts = values.astype(str).str.strip().str.lower().value_counts()
    if len(counts) > MAX_LEVELS:
        return None
    for attribute, vocabulary in VALUES.items():
        present = [v for v in counts.index if v in vocabulary]
        # single letters ("M"/"F") are also codes of other things (a charge's degree): a word is needed
        spelled = any(len(v) > 1 for v in present)
        if spelled and len(present) >= MIN_MATCHING_VALUES and counts[present].sum() >= MIN_SHARE * len(values):
            originals = list(dict.fromkeys(values.astype(str).str.strip()[
                values.astype(str).str.strip().str.lower().isin(present)]))
            return attribute, originals[:4]
    return None


def suggest_sensitive(X: pd.DataFrame, exclude: list[str] | tuple[str, ...] = ()) -> list[SensitiveSuggestion]:
    """Columns of ``X`` that look like protected attributes, each with the reason, in X's order.

    ``exclude``: columns not to consider (e.g. the target). A suggestion only: confirm it.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"Sex": ["Male", "Female"], "priors_count": [0, 3], "page_views": [1, 2]})
    >>> [s.column for s in suggest_sensitive(X)]
    ['Sex']
    """
    out = []
    for name in X.columns:
        if name in exclude:
            continue
        attribute = _by_name(str(name))
        found = _by_values(X[name])
        if attribute is not None:
            reason = f"its name says {attribute}"
            if found is not None and found[0] == attribute:
                reason += f", and its values look like it ({', '.join(found[1])})"
        elif found is not None:
            attribute = found[0]
            reason = f"its values look like {attribute} ({', '.join(found[1])})"
        else:
            continue
        out.append(SensitiveSuggestion(str(name), attribute, reason[0].upper() + reason[1:] + "."))
    return out
