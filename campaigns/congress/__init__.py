"""Letters to members of Congress through Communicating with Congress (CWC), the XML delivery
service both chambers run for approved vendors: the documents, the office codes, and the
client for each chamber's endpoints (docs/congress.md)."""
