"""The header's links for each role, and where each one sits.

On a phone the header is one row: the brand, the one or two links a role uses most (`BAR`) and
a menu button holding the rest. From 60rem (960 px) up, the links a role uses often (`WIDE`)
join the row; what is left (`MENU`) stays behind the menu button, so that no row wraps at
1024 px. One list, read by base.html: a link is written where it shows, and a `WIDE` link twice
(in the row from 60rem up, in the menu below), each copy hidden by CSS where the other shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from flask import Flask, url_for
from flask_babel import gettext as _

from conciergerie.models import Role


class Place(Enum):
    BAR = "bar"  # in the row, always
    WIDE = "wide"  # in the row from 60rem up; in the menu below (a phone, a tablet)
    MENU = "menu"  # behind the menu button, always


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    current: bool
    place: Place
    badge: int = 0  # the basket's count of articles


def _link(
    endpoint: str, label: str, place: Place, here: str, current: tuple[str, ...] | None = None
) -> NavLink:
    """A link to `endpoint`, current when the page's endpoint is one of `current` (a name
    ending in "." stands for the whole blueprint); by default, the endpoint itself."""
    marks = current or (endpoint,)
    is_here = any(here.startswith(m) if m.endswith(".") else here == m for m in marks)
    return NavLink(url_for(endpoint), label, is_here, place)


def nav_links(
    role: Role | None, *, here: str, basket_size: int = 0, minimal: bool = False
) -> list[NavLink]:
    """The header's links for someone of `role` (None: not signed in) on the page of endpoint
    `here`. `minimal` (the database is down): only what needs no database."""
    bar, wide, menu = Place.BAR, Place.WIDE, Place.MENU
    catalogue = ("catalogue.",)
    if minimal:
        return [_link("catalogue.index", _("Catalogue"), bar, here, catalogue)]
    if role is None:
        return [
            _link("catalogue.index", _("Catalogue"), bar, here, catalogue),
            _link("events.index", _("Événements"), wide, here, ("events.",)),
            _basket(wide, here, basket_size),
            _link("accounts.login", _("Se connecter"), wide, here),
            _link("accounts.signup", _("Créer un compte"), wide, here),
        ]
    account = _link(
        "accounts.profile",
        _("Mon compte"),
        menu,
        here,
        ("accounts.profile", "accounts.update_details", "accounts.change_email"),
    )
    if role.is_customer:
        return [
            _link("catalogue.index", _("Catalogue"), bar, here, catalogue),
            _basket(bar, here, basket_size),
            _link(
                "orders.my_orders",
                _("Mes commandes"),
                wide,
                here,
                ("orders.my_orders", "orders.detail"),
            ),
            _link("events.index", _("Événements"), wide, here, ("events.",)),
            _link("subscriptions.mine", _("Mes abonnements"), menu, here, ("subscriptions.",)),
            _link("rooms.index", _("Salles"), menu, here, ("rooms.",)),
            account,
        ]
    if role is Role.VOLUNTEER:
        return [
            _link(
                "rounds.mine", _("Mes tournées"), bar, here, ("rounds.mine", "rounds.availability")
            ),
            _link("desk.index", _("Comptoir"), wide, here, ("desk.",)),
            _link("volunteers.hours_page", _("Mes heures"), wide, here, ("volunteers.",)),
            _link("events.index", _("Événements"), wide, here, ("events.",)),
            _link("catalogue.index", _("Catalogue"), menu, here, catalogue),
            account,
        ]
    if role is Role.PROVIDER:
        statements = ("portal.statements", "portal.statement", "portal.payout")
        own = ("portal.offers", "portal.edit_offer", "portal.edit_hours")
        work = here.startswith("portal.") and here not in statements + own
        return [
            NavLink(url_for("portal.index"), _("Mes travaux"), work, bar),
            _link("portal.statements", _("Mes relevés"), wide, here, statements),
            _link("stock.index", _("Livraisons de paniers"), menu, here, ("stock.",)),
            _link("closures.mine", _("Mes fermetures"), menu, here),
            _link("catalogue.index", _("Catalogue"), wide, here, catalogue),
            _link("events.index", _("Événements"), wide, here, ("events.",)),
            _link("portal.offers", _("Mes offres et horaires"), menu, here, own),
            account,
        ]
    # The concierge: the desk and the rounds at hand, the back office behind them.
    users = ("manage.user_list", "manage.edit_user", "manage.new_user", "manage.resend_invitation")
    managing = here.startswith("manage.") and here not in users
    return [
        _link("desk.index", _("Comptoir"), bar, here, ("desk.",)),
        _link("rounds.plan", _("Tournées"), bar, here),
        _link("reports.dashboard_page", _("Bilan"), wide, here, ("reports.",)),
        NavLink(url_for("manage.index"), _("Gestion"), managing, wide),
        _link("manage.user_list", _("Comptes"), wide, here, users),
        _link("slots.opening_hours", _("Horaires"), menu, here, ("slots.",)),
        _link("jobs.index", _("Tâches"), menu, here, ("jobs.",)),
        _link("catalogue.index", _("Catalogue"), menu, here, catalogue),
        _link("events.index", _("Événements"), menu, here, ("events.",)),
        _link("rooms.manage", _("Salles"), menu, here, ("rooms.",)),
        account,
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_links"] = nav_links


def _basket(place: Place, here: str, size: int) -> NavLink:
    link = _link("orders.show_basket", _("Panier"), place, here)
    return NavLink(link.url, link.label, link.current, link.place, badge=size)
