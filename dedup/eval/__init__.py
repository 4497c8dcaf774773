"""Evaluation of dedup against annotated corpora.

- :mod:`dedup.eval.plagdet`: PAN's plagiarism-detection measures (plagdet);
- :mod:`dedup.eval.pan`: reads a PAN text-alignment corpus, runs a detector on every
  pair and scores it overall and per category (``bench/pan.py`` prints the table,
  ``tests/quality/test_pan_gate.py`` enforces floors).
"""

from __future__ import annotations

from dedup.eval.plagdet import Annotation, Scores, evaluate, plagdet_score

__all__ = ["Annotation", "Scores", "evaluate", "plagdet_score"]
