"""Table targets (kind ``"table"``): markdown tables in English and Chinese under
``docs/generated/tables/``, included by the pages with pymdownx.snippets."""
