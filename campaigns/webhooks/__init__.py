"""Webhooks: the endpoints organizations register, the events they receive, and delivering
them with signatures and back-off."""
