"""Shared test helpers: daemons in temporary directories, raw JSON-RPC clients."""
