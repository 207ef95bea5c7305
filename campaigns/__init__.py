"""campaigns: petitions and solidarity actions for unions, worker centers and coalitions."""

from __future__ import annotations

import gc
from functools import lru_cache
from pathlib import Path

from flask import Flask, render_template, request, session

from campaigns import config as config_module
from campaigns import headers
from campaigns.core import body_limits
from campaigns.session_cookies import CookieSessions

ROOT = Path(__file__).resolve().parent.parent


def served_app() -> Flask:
    """The app as a web server process holds it (`wsgi.py`, `campaigns up`, the benchmarks).

    Everything loaded by then (Flask, SQLAlchemy, the models, the templates) lives as long as
    the process, so it is moved out of the garbage collector's sight: its full collections
    then scan only what requests allocate, instead of every object of every library. On a
    page of a hundred people from the API that was a fifth of the time (bench/README.md).
    """
    app = create_app()
    gc.freeze()
    return app


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides what the environment gives (tests use it)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        # The folder for this machine's own files (the SQLite database, the generated key,
        # the embedded Redis); beside the package unless INSTANCE_PATH names another.
        instance_path=config_module.instance_path(),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if config and "SECRET_KEY" in config:
        # Tests give their own key; don't write one into the instance folder for them.
        app.config.update(config_module.from_environment_without_key(app.instance_path))
    else:
        app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)

    # `{% do %}` lets the form macros build attribute maps.
    app.jinja_env.add_extension("jinja2.ext.do")
    app.session_interface = CookieSessions()
    _init_extensions(app)
    body_limits.init_app(app)
    headers.init_app(app)
    _init_monitoring(app)
    _register_blueprints(app)
    _register_error_pages(app)

    from campaigns.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from campaigns.core import storage
    from campaigns.database import engine_options
    from campaigns.extensions import babel, csrf, db, login_manager, migrate, queues

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    # Batch mode lets migrations alter tables on SQLite, which has no ALTER COLUMN.
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    # CSRFProtect's own hook looks up a view's exemption before the method, on every GET
    # too; this one asks only for what it checks (POST, PUT, PATCH, DELETE), exemptions kept.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)

    @app.before_request
    def check_csrf():
        if request.method in app.config["WTF_CSRF_METHODS"] and app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)

    queues.init_app(app)
    storage.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    login_manager.init_app(app)
    login_manager.login_view = "organize.login"
    login_manager.login_message_category = "info"
    # Flask-Login's "basic" protection writes `_fresh` into every visitor's session once their
    # address differs from the one it hashed, and so a cookie into a supporter's page that
    # could otherwise be cached. Staff freshness is ours: `organize.sessions` records when the
    # password was last entered and `access.fresh_required` asks for it again.
    login_manager.session_protection = None
    # Its after-request hook sets or clears the remember-me cookie, which no login issues
    # (`organize.sessions` logs in without `remember`). It opens the session on every
    # response, count.json's and the action page's included, for nothing: it goes.
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)

    @login_manager.user_loader
    def load_user(user_id: str):
        from campaigns.models import User

        return db.session.get(User, int(user_id))

    @app.context_processor
    def inject_locale():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}


def _init_monitoring(app: Flask) -> None:
    """JSON logs when asked for, and each request timed, counted and given an id."""
    from campaigns.monitoring import hooks

    hooks.init_app(app)


def select_locale() -> str:
    """The language a visitor chose with the switch, else the browser's best match."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    header = request.headers.get("Accept-Language", "")
    if len(header) > MAX_KEPT_ACCEPT_LANGUAGE:
        return _best_language.__wrapped__(header, tuple(languages))
    return _best_language(header, tuple(languages))


# Real browsers send a few dozen characters; longer headers are matched without being kept.
MAX_KEPT_ACCEPT_LANGUAGE = 200


@lru_cache(maxsize=1024)
def _best_language(accept_language: str, languages: tuple[str, ...]) -> str:
    """The browser's best match among `languages`: visitors send the same few headers, so
    each is parsed once per process."""
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    best = parse_accept_header(accept_language, LanguageAccept).best_match(languages)
    return best or languages[0]


def _register_blueprints(app: Flask) -> None:
    from campaigns.api import bp as api_bp
    from campaigns.api.v1 import bp as api_v1_bp
    from campaigns.extensions import csrf
    from campaigns.operate import bp as operate_bp
    from campaigns.organize import bp as organize_bp
    from campaigns.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(organize_bp, url_prefix="/organize")
    app.register_blueprint(api_bp)
    # Token-authenticated: no cookie means no cross-site request to forge.
    csrf.exempt(api_v1_bp)
    app.register_blueprint(api_v1_bp)
    # The probes and /metrics: no session, no form, nothing to forge.
    csrf.exempt(operate_bp)
    app.register_blueprint(operate_bp)


def _register_error_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def page(status: int):
        def handler(error):
            if request.path.startswith("/api/v1/"):
                # Unknown paths and methods under the API answer as the API does.
                from campaigns.api.v1.hal import error_response

                return error_response(status, getattr(error, "description", "") or str(status))
            return render_template("errors.html", status=status, error=error), status

        return handler

    for status in (400, 403, 404, 405, 410, 413, 500):
        app.register_error_handler(status, page(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors.html", status=400, error=error, csrf=True), 400
