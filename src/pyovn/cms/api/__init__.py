"""The transaction API every CMS tool shares: backend, transaction view, command
objects, value syntax, record naming, and the generic database commands."""
