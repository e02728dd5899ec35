"""The scoring job: batches of unscored transactions scored exactly once, logged and alerted.

`score_batch` is the one scoring function (the batch job and the API both call it);
`run_scoring` is one run of the job. See docs/scoring.md.
"""

from fraudwatch.scoring.batch import score_batch
from fraudwatch.scoring.run import RunResult, ScoringRun, run_scoring

__all__ = ["RunResult", "ScoringRun", "run_scoring", "score_batch"]
