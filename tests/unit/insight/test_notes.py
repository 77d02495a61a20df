"""summarise_notes(): one line for the members left out, not one bullet each."""

from jupyter_automl.insight import summarise_notes


def test_members_left_out_for_lack_of_time_are_one_line():
    notes = ["Ensemble of 4 trials.",
             "trial 3 left out of the ensemble: no time left to refit it",
             "trial 7 left out of the ensemble: no time left to refit it",
             "trial 9 could not be refit (MemoryError); left out",
             "trial 12 left out of the ensemble: no time left to refit it",
             "Threshold tuned."]
    assert summarise_notes(notes) == [
        "Ensemble of 4 trials.",
        "trials 3, 7 and 12 (3) left out of the ensemble: no time left to refit them",
        "trial 9 could not be refit (MemoryError); left out",
        "Threshold tuned."]
    assert summarise_notes(notes[1:2]) == notes[1:2]
    assert summarise_notes([]) == []
