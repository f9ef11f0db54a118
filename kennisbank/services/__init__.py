"""Use cases and domain rules. Services flush but never commit: the caller (view, CLI, test) commits once."""
