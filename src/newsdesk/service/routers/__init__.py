"""One router a resource: classify, articles, corrections, taxonomy, stats, export, keys, health."""
