"""One run of a scenario: the model assembled from it, its recorder, result records and summary,
a run in representative periods, a run's finance, provenance and per-job records."""
