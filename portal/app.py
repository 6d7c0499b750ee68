"""The portal's one app factory: ``create_app(settings)``; gunicorn runs ``portal.app:create_app()``."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from adapters.store.db import create_store_engine
from config.logs import configure_logging
from config.settings import Settings, load_settings
from portal import context, errors, i18n, navigation, security
from portal.auth import guard
from portal.extensions import babel, csrf
from portal.sessions import StoreSessionInterface

if TYPE_CHECKING:
    from portal.admin.totp_keys import TotpVault

TRANSLATIONS = Path(__file__).with_name("translations")


@dataclass
class Portal:
    """What the portal's views reach through ``current_app.extensions["ibok"]``."""

    settings: Settings
    engine: Engine
    totp_vault: TotpVault | None = None  # staff TOTP secrets' keys (portal.admin.totp_keys)
    # Values every customer shares, each read at most once a while by each process: by key, (when
    # read, value); see context.per_process ("data as of", the announcements' periods, tariff averages).
    shared: dict[Hashable, tuple[float, Any]] = field(default_factory=dict)


def create_app(settings: Settings | None = None) -> Flask:
    """The portal for these settings (default: loaded from the environment and IBOK_CONFIG, with
    logging set up, as under gunicorn)."""
    if settings is None:
        settings = load_settings()
        configure_logging(settings.log.level, settings.log.format)
    settings.require("portal.secret_key")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.portal.secret_key,
        SESSION_COOKIE_SECURE=not settings.portal.development,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE=settings.portal.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.billing.timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        IBOK_DEVELOPMENT=settings.portal.development,
        IBOK_DEFAULT_LOCALE=settings.portal.default_locale,
        IBOK_TIMEZONE=settings.billing.timezone,
    )
    from portal.admin.totp_keys import TotpVault
    vault = TotpVault.from_settings(settings)  # before the engine: a missing key stops the start, nothing opened
    engine = create_store_engine(settings.store.url)
    app.extensions["ibok"] = Portal(settings, engine, totp_vault=vault)
    app.session_interface = StoreSessionInterface(
        engine, timedelta(seconds=settings.portal.session_idle_s),
        timedelta(seconds=settings.portal.session_absolute_s),
        staff_idle=timedelta(seconds=settings.admin.session_idle_s),
        staff_absolute=timedelta(seconds=settings.admin.session_absolute_s),
        host_only=not settings.portal.development)
    if hops := settings.portal.trusted_proxies:
        # The client's address (attempt limits, the audit log), scheme and host from the last `hops`
        # entries of X-Forwarded-*, which only the trusted proxies wrote; anything a client sent
        # itself lies further left and is ignored. With 0 the headers are not read at all.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    # Registered before the CSRF check reads a body: only an administrator's form upload may exceed 2 MB.
    from portal.admin.uploads import allow_uploads
    app.before_request(allow_uploads)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install(app)
    security.install(app)
    errors.install(app)
    navigation.install(app)
    context.install(app)
    app.before_request(guard.load_account)

    from portal.auth.acceptance import bp as acceptance_bp
    from portal.auth.onboarding_views import bp as onboarding_bp
    from portal.auth.views import bp as auth_bp
    from portal.customer.analysis import bp as analysis_bp
    from portal.customer.billing import bp as billing_bp
    from portal.customer.meters import bp as meters_bp
    from portal.customer.notices import bp as notices_bp
    from portal.customer.notifications import bp as notify_bp
    from portal.customer.submitting import bp as submit_bp
    from portal.customer.views import bp as customer_bp
    from portal.info.downloads import bp as forms_bp
    from portal.info.views import bp as info_bp
    app.register_blueprint(auth_bp)
    app.register_blueprint(onboarding_bp)
    app.register_blueprint(acceptance_bp)
    app.register_blueprint(customer_bp)
    app.register_blueprint(analysis_bp)
    app.register_blueprint(billing_bp)
    app.register_blueprint(meters_bp)
    app.register_blueprint(info_bp)
    app.register_blueprint(forms_bp)
    app.register_blueprint(submit_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(notify_bp)
    from portal.admin import blueprint as admin_blueprint
    app.register_blueprint(admin_blueprint())

    return app
