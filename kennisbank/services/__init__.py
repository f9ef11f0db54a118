"""Use cases and rules, one room per capability; views, CLI commands and tests call them without HTTP.
Services flush but never commit: the caller commits once.

From the top floor down (a room imports only rooms below it; the import contract in pyproject.toml):
reporting, importing  ->  gates  ->  finding  ->  content  ->  registry  ->  notifying  ->  access  ->  pagination
"""
