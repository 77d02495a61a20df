"""The search: space, objective, coordinator, executors, storage, ensembles and the handle.

``start_search`` assembles and starts one search; ``SearchHandle`` controls and observes it;
``SearchResult`` is what it produced.
"""

from ._coordinator import Coordinator, SearchSettings
from ._epochs import LEARNING_CURVE_COLUMNS, rungs_below
from ._feature_strategies import STRATEGIES as FEATURE_STRATEGIES
from ._feature_strategies import StrategyResult, run_feature_strategy
from ._final_model import END_REASONS, SearchResult, end_reason_text, threshold_text
from ._handle import SearchHandle
from ._latency import faster_in_leaderboard
from ._limits import API_NAMES, LimitNames, check_limits
from ._networks import NAS_FAMILY, trial_architecture
from ._objective import FoldResult, TrainingData
from ._pareto import FRONT_COLUMNS, MSG_NO_SEARCH
from ._plugins import SearchPlugin
from ._runs import StudySummary, list_studies
from ._start import SearchOptions, start_search
from ._storage import StudyStore, open_study
from ._trials import LEADERBOARD_COLUMNS, TrialRecord, leaderboard_frame, rank_leaderboard

__all__ = ["API_NAMES", "END_REASONS", "FRONT_COLUMNS", "LEADERBOARD_COLUMNS", "MSG_NO_SEARCH", "Coordinator",
           "FoldResult", "LimitNames", "SearchHandle", "SearchOptions", "SearchPlugin",
           "SearchResult", "SearchSettings", "StudyStore", "StudySummary", "TrainingData",
           "TrialRecord", "check_limits", "end_reason_text", "faster_in_leaderboard", "leaderboard_frame", "list_studies", "rank_leaderboard",
           "open_study", "start_search", "threshold_text", "FEATURE_STRATEGIES", "StrategyResult",
           "run_feature_strategy", "LEARNING_CURVE_COLUMNS", "NAS_FAMILY", "rungs_below",
           "trial_architecture"]
