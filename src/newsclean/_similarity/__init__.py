"""The similarity wing: shingle hashing, MinHash, LSH and exact Jaccard, each written once,
and the engine-neutral kernels of the batch path (``engine``)."""
