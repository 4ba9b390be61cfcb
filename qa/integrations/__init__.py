"""Adapters to other frameworks; each needs its optional extra (`pip install '.[langchain]'`)."""
