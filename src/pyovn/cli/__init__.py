"""The `pyovn` command: thin typer apps that parse arguments and call packages."""
