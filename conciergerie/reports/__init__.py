"""The desk's economics: monthly statement per provider, income against the post's cost."""
