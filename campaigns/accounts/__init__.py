"""Staff accounts: owners, logins and their throttle, passwords, two-factor codes, members
and invitations, and the API keys other systems use."""
