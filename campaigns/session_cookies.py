"""Flask's signed-cookie sessions, without the work for a request that brings no cookie.

Most requests are supporters' and carry no session at all: an action page, a signature,
count.json. Flask builds the cookie's signing serializer (a key derived with HMAC) for each
of them before finding there is no cookie to read, and works out every cookie attribute
before finding there is nothing to write; this answers them at once, with an empty session
and then with nothing but the `Vary: Cookie` Flask would add. Everything else, signing and
expiry included, is Flask's own.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and (
            # No Cookie header at all (most supporters): nothing to parse.
            "HTTP_COOKIE" not in request.environ
            or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
