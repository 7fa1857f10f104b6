"""Scale-out: classification as a Ray Data pipeline (the ``scale`` extra)."""
