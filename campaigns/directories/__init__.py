"""Directories of targets by district: looking a postcode up, importing and editing a
directory, and its district boundaries."""
