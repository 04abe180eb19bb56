"""remediate: the first response to a production alert, with a human as the reviewer."""

__version__ = "0.1.0"
