"""Archive on completion (事毕归档): the case's evidence bundle and its offline verification."""
