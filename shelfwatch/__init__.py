"""Shelfwatch: which retailers sell which brands, since when, and says who."""

__version__ = "0.1.0"
