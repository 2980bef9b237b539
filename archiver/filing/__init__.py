"""The filing stage (Art. 6): scans from the inbox checked, described and filed into
``records/<customer>/<year>/`` — ingest.py (one pass), pipeline.py (one scan: validate →
classify → register → place), commit.py (group commit), setaside.py (set aside with a reason)."""
