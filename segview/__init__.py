"""segview: browse, step through, fork and replay the agent runtime's segment logs."""

__version__ = "0.1.0"
