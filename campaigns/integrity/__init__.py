"""Signature integrity: rate limits and block lists at signing, and the trends and held
submissions organizers review."""
