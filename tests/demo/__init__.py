"""The README's first command (make demo): the alerting chain on the local sandbox."""
