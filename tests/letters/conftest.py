def sent_message_ids(server) -> list[int]:
    """Every message id the provider was handed, once per time it was handed over."""
    return [
        int(p["custom_args"]["message_id"])
        for r in server.mail_sends()
        for p in r.body["personalizations"]
        if "message_id" in p.get("custom_args", {})
    ]


def letter_requests(server):
    """The provider calls that carried letters (not the supporters' confirmation emails)."""
    return [
        r
        for r in server.mail_sends()
        if any("message_id" in p.get("custom_args", {}) for p in r.body["personalizations"])
    ]
