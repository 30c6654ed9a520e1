"""Crosswalks shipped with the package (CSV; see validator/crosswalk.py for the format)."""
