"""Take the result away: save and load, code export and the HTML report.

No widgets here: the command line, the wizard and ``AutoML`` all call these functions.
"""

from ._codegen import export_code, script_text
from ._figures import figure_png
from ._persist import TRUSTED_TYPES, SavedAutoML, load, save, untrusted_types
from ._report import report

__all__ = ["TRUSTED_TYPES", "SavedAutoML", "export_code", "figure_png", "load", "report", "save", "script_text", "untrusted_types"]
