"""The frozen legacy parser is a test oracle, not a test module."""

collect_ignore = ["legacy"]
