"""Teaching mode: explanations of what this search just did, built from its events, with its numbers."""

from ._teacher import NOTEBOOK, SECTIONS, Lesson, Teacher

__all__ = ["NOTEBOOK", "SECTIONS", "Lesson", "Teacher"]
