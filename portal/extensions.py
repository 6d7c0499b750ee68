"""The Flask extensions, created unbound; ``portal.app.create_app`` binds them to each app."""

from __future__ import annotations

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
