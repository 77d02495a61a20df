"""The search: space, objective, coordinator, executors, storage, ensembles and the handle."""

from ._coordinator import Coordinator, SearchResult, SearchSettings
from ._handle import SearchHandle
from ._objective import FoldResult, TrainingData
from ._plugins import SearchPlugin
from ._runs import StudySummary, list_studies
from ._storage import StudyStore, open_study
from ._trials import LEADERBOARD_COLUMNS, TrialRecord, leaderboard_frame

__all__ = ["LEADERBOARD_COLUMNS", "Coordinator", "FoldResult", "SearchHandle", "SearchResult",
           "SearchPlugin", "SearchSettings", "StudyStore", "StudySummary", "TrainingData", "TrialRecord", "leaderboard_frame",
           "list_studies", "open_study"]
