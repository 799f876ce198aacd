"""The command-line subcommands (``watch``, ``list``, ``get``, ``demo-server``) and their output."""
