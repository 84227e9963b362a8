"""Pure computations over polars frames: trends, relevance, opportunities, creators. No I/O."""
