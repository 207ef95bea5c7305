"""What the views, jobs and CLI call. Services own the transaction and the enqueueing."""
