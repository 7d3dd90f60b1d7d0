"""The ctl tools' command line: argument parsing, running, output formats, show."""
