"""The search engine: Dutch analysis, the Whoosh index, keeping it in step with the database, queries and
similar work. No web views here: the pages are in kennisbank.searching."""
