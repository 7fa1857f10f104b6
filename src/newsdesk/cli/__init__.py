"""The command-line interface: a root Typer app with one module a command group."""
