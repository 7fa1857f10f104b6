"""numpy's BLAS threads beside an encoder that holds the cores."""

from __future__ import annotations

__all__ = ["limit_blas_threads"]


def limit_blas_threads(threads: int = 1) -> None:
    """Cap numpy's BLAS thread pool at ``threads`` for the rest of the process.

    Scoring multiplies a batch's embeddings by the label vectors: products far too small to
    gain from threads. With more threads, OpenBLAS's workers wake for each product and then
    spin, waiting for more, on the cores the encoder (onnxruntime, encoding the next batch on
    :meth:`Classifier.classify_many`'s worker thread) needs, so one thread is the rule
    wherever an encoder runs beside the scoring (the figures: docs/training.md). The use-m3
    encoder sets its own BLAS threads as it runs.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads, user_api="blas")
