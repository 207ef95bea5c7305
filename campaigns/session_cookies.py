"""Flask's signed-cookie sessions, without the work for a request that brings no cookie.

Most requests are supporters' and carry no session at all: an action page, a signature,
count.json. Flask builds the cookie's signing serializer (a key derived with HMAC) for each
of them before finding there is no cookie to read; this answers them with an empty session
at once. Everything else, signing and expiry included, is Flask's own.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
