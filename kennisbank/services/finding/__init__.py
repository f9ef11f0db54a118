"""Finding prior work and people: the search over everything (and what each reader may see of it), and
a person's page and /mensen."""
