"""Supporter lists: filtering and paging them, tags, people written over the API, exports,
imports, erasure and retention."""
