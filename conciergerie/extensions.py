"""Flask extensions, created here and bound to the app in `create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from conciergerie.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()
# Limits are set on the routes that guess passwords or send mail (accounts.limits). Behind a
# reverse proxy, the client's address comes from ProxyFix (PROXY_FIX_X_FOR); with several
# workers or servers, point RATELIMIT_STORAGE_URI at a shared store (redis://…, memcached://…).
limiter = Limiter(key_func=get_remote_address)
