"""What comes from content/: loading themes, demo data and the vocabulary, the vocabulary's rules, help
pages, and the front-matter format they share."""
