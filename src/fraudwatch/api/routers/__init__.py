"""One router per resource: scores, transactions, runs, models, health."""
