"""Account pages: sign-up, sign-in and -out, password reset, profile (accounts are managed in
manage/, at /gestion/utilisateurs)."""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from conciergerie.accounts import forms, invitations, limits, privacy, service
from conciergerie.accounts import profile as own_account
from conciergerie.accounts.permissions import role_required
from conciergerie.errors import on_refusal
from conciergerie.extensions import db, limiter
from conciergerie.mail import external_url
from conciergerie.models import MemberCompany, Role, utcnow
from conciergerie.orders import basket
from conciergerie.security import safe_next
from conciergerie.texts import service as texts

bp = Blueprint("accounts", __name__, url_prefix="/compte")
log = logging.getLogger(__name__)


def _companies() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(MemberCompany.id, MemberCompany.name).order_by(MemberCompany.name)
    )
    return [(row.id, row.name) for row in rows]


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(limits.SIGN_UP_PER_ADDRESS, methods=["POST"])
def signup():
    """Sign-up. Refused (the address has an account, a weak password…): the form again, the
    reason on its field."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = forms.SignUpForm(companies=_companies())

    def page():
        return render_template("accounts/signup.html", form=form)

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    role = Role(form.customer_type.data)
    company = (
        db.session.get(MemberCompany, form.member_company.data) if role is Role.EMPLOYEE else None
    )
    on_refusal(page, form, fields={"member_company_id": "member_company"})
    service.sign_up(
        db.session,
        email=form.email.data,
        password=form.password.data,
        full_name=form.full_name.data,
        phone=form.phone.data,
        role=role,
        member_company=company,
        locale=get_locale().language if get_locale() else "fr",
        now=utcnow(),
        links=_sign_up_links(),
    )
    # The same answer for a new address and a known one: only the mailbox tells.
    return render_template("accounts/check_mailbox.html", email=form.email.data)


def _sign_up_links() -> service.SignUpLinks:
    return service.SignUpLinks(
        secret_key=current_app.config["SECRET_KEY"],
        confirm=lambda token: external_url("accounts.confirm_address", token=token),
        reset=lambda token: external_url("accounts.reset_password", token=token),
        reset_max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
    )


@bp.get("/confirmer/<token>")
def confirm_address(token: str):
    """The link mailed at sign-up: the address is confirmed and the person signed in."""
    on_refusal(lambda: render_template("accounts/confirm_failed.html"))
    user = service.confirm_address(
        db.session, token, secret_key=current_app.config["SECRET_KEY"], now=utcnow()
    )
    _start_session(user, remember=False)
    flash(_("Bienvenue, %(name)s ! Votre adresse est confirmée.", name=user.full_name), "success")
    if user.role is Role.EMPLOYEE:
        _flash_company_state(user)
    return redirect(url_for("catalogue.index"))


def _flash_company_state(user) -> None:
    company = user.member_company.name
    if user.is_verified_employee:
        flash(
            _(
                "Votre adresse professionnelle confirme que vous travaillez chez %(company)s.",
                company=company,
            ),
            "success",
        )
    else:
        flash(
            _(
                "La conciergerie va vérifier que vous travaillez chez %(company)s ; d'ici là, "
                "vos commandes ont les frais de service habituels.",
                company=company,
            ),
            "info",
        )


def _start_session(user, *, remember: bool) -> None:
    """A fresh session at sign-in: nothing set before (by anyone) carries over, except the
    basket and the chosen language."""
    kept = {k: session[k] for k in (basket.KEY, "lang") if k in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=remember)


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.shared_limit(limits.SIGN_IN_PER_ADDRESS, scope="sign-in", methods=["POST"])
@limiter.shared_limit(
    limits.FAILURES_PER_ACCOUNT_AND_ADDRESS,
    scope="sign-in-failures-here",
    key_func=limits.account_and_address_key,
    methods=["POST"],
    deduct_when=limits.failed,
)
@limiter.shared_limit(
    limits.FAILURES_PER_ACCOUNT,
    scope="sign-in-failures",
    key_func=limits.account_key,
    methods=["POST"],
    deduct_when=limits.failed,
)
def login():
    """Sign-in. A wrong password is counted by the limiter (its own store, not the database),
    so the count stays although the refused request keeps nothing."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = forms.LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data, now=utcnow())
        if user is None:
            limits.wrong_password()
            log.warning(
                "failed sign-in for account %s from %s",
                limits.pseudonym(form.email.data),
                request.remote_addr,
            )
            form.password.errors.append(_("Adresse e-mail ou mot de passe incorrect."))
        elif user.email_confirmed_at is None:
            # The right password, an address not yet confirmed: the link again (saved with the
            # request, so not a refusal), and no session.
            service.resend_confirmation(user, links=_sign_up_links())
            flash(
                _(
                    "Confirmez d'abord votre adresse : nous venons de vous renvoyer le lien "
                    "par e-mail."
                ),
                "info",
            )
        else:
            log.info("sign-in of user %s from %s", user.id, request.remote_addr)
            _start_session(user, remember=form.remember.data)
            flash(_("Vous êtes connecté·e."), "success")
            return redirect(safe_next(request.args.get("next")) or home_of(user))
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


# Where each person starts their day after signing in (unless a page asked for them to sign in).
HOMES = {
    Role.CONCIERGE: "desk.index",
    Role.VOLUNTEER: "rounds.mine",
    Role.PROVIDER: "portal.index",
}


def home_of(user) -> str:
    """The concierge the desk, a volunteer their rounds, provider staff their work list, a
    customer their orders."""
    return url_for(HOMES.get(user.role, "orders.my_orders"))


@bp.post("/deconnexion")
@login_required
def logout():
    form = forms.LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    # Signing out here signs out everywhere: a shared or lost device is cut off too.
    service.end_all_sessions(current_user)
    logout_user()
    flash(_("Vous êtes déconnecté·e, sur tous vos appareils."), "info")
    return redirect(url_for("home.index"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(limits.RESET_PER_ADDRESS, methods=["POST"])
@limiter.limit(limits.RESET_PER_ACCOUNT, key_func=limits.account_key, methods=["POST"])
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        service.send_reset_link(
            db.session,
            form.email.data,
            secret_key=current_app.config["SECRET_KEY"],
            max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
            link=lambda token: external_url("accounts.reset_password", token=token),
        )
        # Same answer whether or not the address has an account: no way to probe who is a customer.
        flash(
            _(
                "Si un compte existe pour cette adresse, un lien pour choisir un nouveau "
                "mot de passe vient d'y être envoyé."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = service.user_for_reset_token(
        db.session,
        token,
        secret_key=current_app.config["SECRET_KEY"],
        max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
    )
    if user is None:
        flash(_("Ce lien n'est plus valable. Demandez-en un nouveau."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = forms.ResetPasswordForm()

    def page():
        return render_template("accounts/reset_password.html", form=form)

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form, default_field="password")
    service.set_password(user, form.password.data)
    logout_user()
    flash(_("Votre mot de passe est changé. Connectez-vous avec le nouveau."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The link of an invitation the concierge sent (manage.users.invite_user): the person
    chooses their password, is signed in and starts at their own home. A link expired, used or
    replaced by a newer one: a page that says so (AccountError, 422 or 409)."""
    on_refusal(lambda: render_template("accounts/invitation_failed.html"))
    user = invitations.invited_user(
        db.session, token, secret_key=current_app.config["SECRET_KEY"], now=utcnow()
    )
    form = forms.ResetPasswordForm()

    def page():
        return render_template("accounts/accept_invitation.html", form=form, user=user)

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form, default_field="password")
    invitations.accept_invitation(user, password=form.password.data, now=utcnow())
    _start_session(user, remember=False)
    flash(
        _("Bienvenue, %(name)s ! Votre mot de passe est enregistré.", name=user.full_name),
        "success",
    )
    return redirect(home_of(user))


def _profile_page(
    *,
    details: forms.DetailsForm | None = None,
    email: forms.EmailChangeForm | None = None,
    password: forms.ChangePasswordForm | None = None,
) -> str:
    """ "Mon compte" with its three forms: the one just sent (with its errors) and the others
    fresh (not filled from the request, which was another form's)."""
    return render_template(
        "accounts/profile.html",
        details=details or forms.DetailsForm(formdata=None, obj=current_user),
        email_form=email or forms.EmailChangeForm(formdata=None),
        form=password or forms.ChangePasswordForm(formdata=None),
        cancel_form=forms.CancelEmailChangeForm(formdata=None),
        texts_stopped=texts.stopped_by_reply(current_user),
        texts_offered=texts.offered(current_app.config),
    )


@bp.post("/coordonnees")
@login_required
def update_details():
    """One's name and phone number. Refused (a number without 6 to 15 digits…): the page
    again, the reason on its field."""
    form = forms.DetailsForm()

    def page():
        return _profile_page(details=form)

    if not form.validate_on_submit():
        return page(), 422
    on_refusal(page, form)
    changed = own_account.update_details(
        current_user._get_current_object(),
        full_name=form.full_name.data,
        phone=form.phone.data,
        # Not offered (production without a gateway): the box is not on the page either.
        texts_opt_in=form.texts_opt_in.data if texts.offered(current_app.config) else None,
    )
    if changed:
        flash(_("Vos coordonnées sont enregistrées."), "success")
    else:
        flash(_("Rien n'a changé."), "info")
    return redirect(url_for("accounts.profile"))


def _email_change_links() -> own_account.EmailChangeLinks:
    return own_account.EmailChangeLinks(
        secret_key=current_app.config["SECRET_KEY"],
        confirm=lambda token: external_url("accounts.confirm_email_change", token=token),
        reset=lambda token: external_url("accounts.reset_password", token=token),
        reset_max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
    )


@bp.post("/adresse")
@login_required
@limiter.limit(
    limits.PASSWORD_CHECKS_PER_USER,
    key_func=limits.signed_in_user_key,
    methods=["POST"],
    deduct_when=limits.failed,
)
def change_email():
    """Ask for a new address: a link is mailed to it, and the account keeps its address until
    the link is followed. The answer is the same whether or not the new address has an account
    (see accounts.profile). A wrong password counts towards the limit."""
    form = forms.EmailChangeForm()

    def page():
        return _profile_page(email=form)

    if not form.validate_on_submit():
        return page(), 422
    on_refusal(page, form, fields={"email": "new_email", "password": "email_password"})
    try:
        address = own_account.request_email_change(
            db.session,
            current_user._get_current_object(),
            new_email=form.new_email.data,
            password=form.email_password.data,
            links=_email_change_links(),
            now=utcnow(),
        )
    except own_account.WrongPassword:
        limits.wrong_password()
        raise
    flash(
        _(
            "Nous avons envoyé un lien à %(email)s : ouvrez-le pour que cette adresse devienne "
            "celle de votre compte. D'ici là, votre adresse actuelle reste valable.",
            email=address,
        ),
        "info",
    )
    return redirect(url_for("accounts.profile"))


@bp.post("/adresse/annuler")
@login_required
def cancel_email_change():
    if not forms.CancelEmailChangeForm().validate_on_submit():
        abort(400)
    own_account.cancel_email_change(current_user._get_current_object())
    flash(_("La demande de changement d'adresse est annulée."), "info")
    return redirect(url_for("accounts.profile"))


@bp.get("/adresse/confirmer/<token>")
def confirm_email_change(token: str):
    """The link mailed to a new address: it becomes the account's (the old one is told). It
    needs no session: the link proves the address, and signs no one in."""
    on_refusal(lambda: render_template("accounts/email_change_failed.html"))
    user = own_account.confirm_email_change(
        db.session, token, secret_key=current_app.config["SECRET_KEY"], now=utcnow()
    )
    flash(
        _("C'est fait : l'adresse de votre compte est désormais %(email)s.", email=user.email),
        "success",
    )
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("accounts.profile"))
    return redirect(url_for("accounts.login"))


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    """ "Mon compte": one's details, address and password (the form here), one's data."""
    form = forms.ChangePasswordForm()

    def page():
        return _profile_page(password=form)

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    on_refusal(page, form, default_field="current_password")
    service.change_password(
        current_user,
        current_password=form.current_password.data,
        new_password=form.password.data,
    )
    # This session goes on with the new version; the others end.
    login_user(current_user._get_current_object())
    flash(_("Mot de passe changé. Vos autres sessions sont fermées."), "success")
    return redirect(url_for("accounts.profile"))


@bp.get("/mes-donnees.json")
@login_required
def my_data():
    """Right of access: everything stored about the signed-in person, as a JSON file."""
    data = privacy.export_data(db.session, current_user, now=utcnow())
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/supprimer", methods=["GET", "POST"])
@login_required
@limiter.limit(
    limits.PASSWORD_CHECKS_PER_USER,
    key_func=limits.signed_in_user_key,
    methods=["POST"],
    deduct_when=limits.failed,
)
def delete_account():
    """Erasing one's own account. Refused (a wrong password, an order in progress): the form
    again with the reason; a wrong password counts towards the limit."""
    form = forms.DeleteAccountForm()

    def page():
        return render_template("accounts/delete.html", form=form)

    if not form.validate_on_submit():
        return page(), 422 if form.errors else 200
    if not privacy.is_own_password(current_user, form.password.data):
        limits.wrong_password()  # counted, although delete_account refuses the request
    on_refusal(page, form, default_field="password")
    privacy.delete_account(db.session, current_user, password=form.password.data, now=utcnow())
    log.info("account %s erased at its owner's request", current_user.id)
    logout_user()
    session.clear()
    flash(_("Votre compte est supprimé. Merci d'avoir fait appel à nous."), "success")
    return redirect(url_for("home.index"))


@bp.get("/utilisateurs")
@role_required(Role.CONCIERGE)
def user_list():
    """The accounts are managed under /gestion/utilisateurs now; old bookmarks land there."""
    return redirect(url_for("manage.user_list"), 301)
