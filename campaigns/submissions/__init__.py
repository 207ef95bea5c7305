"""Taking an action: signing (one statement on PostgreSQL), the action refs signing reads,
opt-ins recorded with a submission, confirming by email, the confirmation emails, and
unsubscribing. What other features do when a submission changes is announced in `signals`."""
