"""dedup: what each report in a pile copied, what is stock phrasing, and what is its own.

>>> from dedup import Config, scan
>>> result = scan(["seeds/"], Config())          # doctest: +SKIP
>>> result.documents[0].novelty                  # doctest: +SKIP
0.93
"""

from __future__ import annotations

from dedup.config import Config
from dedup.errors import DedupError
from dedup.model import ScanResult

__version__ = "0.1.0"
__all__ = ["Config", "DedupError", "ScanResult", "__version__", "scan"]


def scan(paths: list[str], config: Config | None = None) -> ScanResult:
    """Scan the documents under ``paths``; see :func:`dedup.pipeline.run`."""
    from dedup.pipeline import run

    return run(paths, config or Config())
