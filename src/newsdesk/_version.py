"""The package's version, in a module of its own so that any file can read it.

``newsdesk/__init__.py`` re-exports it; a module inside the package imports it from here, which
ties it to this one line rather than to the public face and everything that face names.
"""

__version__ = "0.1.0"
