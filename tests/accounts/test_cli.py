import sqlalchemy as sa

from conciergerie.accounts import passwords
from conciergerie.models import Role, User


def run(app, *args, **kw):
    return app.test_cli_runner().invoke(args=["create-user", *args], **kw)


def user(session, email):
    session.expire_all()
    return session.scalar(sa.select(User).where(User.email == email))


def test_create_concierge_with_password(app, session):
    result = run(
        app,
        "--email",
        "Camille@Example.org",
        "--role",
        "concierge",
        "--password",
        "le-comptoir-ouvre-a-7h30",
    )
    assert result.exit_code == 0, result.output
    created = user(session, "camille@example.org")
    assert created.role is Role.CONCIERGE
    assert passwords.verify_password(created.password_hash, "le-comptoir-ouvre-a-7h30")


def test_create_user_asks_for_the_password_when_not_given(app, session):
    result = run(
        app,
        "--email",
        "lea@example.org",
        "--role",
        "volunteer",
        input="velo-cargo-du-jeudi\nvelo-cargo-du-jeudi\n",
    )
    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output
    assert passwords.verify_password(
        user(session, "lea@example.org").password_hash, "velo-cargo-du-jeudi"
    )


def test_create_provider_staff_and_employee(app, session, make_provider, make_member_company):
    make_provider(slug="cordonnerie-test")
    make_member_company(slug="smart-test")
    assert (
        run(
            app,
            "--email",
            "jm@example.org",
            "--role",
            "provider",
            "--provider",
            "cordonnerie-test",
            "--password",
            "semelles-et-talons",
        ).exit_code
        == 0
    )
    assert (
        run(
            app,
            "--email",
            "t@example.org",
            "--role",
            "employee",
            "--company",
            "smart-test",
            "--password",
            "semelles-et-talons",
        ).exit_code
        == 0
    )
    assert user(session, "jm@example.org").provider.slug == "cordonnerie-test"
    assert user(session, "t@example.org").member_company.slug == "smart-test"


def test_create_user_reports_errors_clearly(app, session, make_user):
    make_user(email="pris@example.org")
    taken = run(
        app, "--email", "PRIS@example.org", "--role", "resident", "--password", "semelles-et-talons"
    )
    assert taken.exit_code != 0 and "existe déjà" in taken.output
    weak = run(app, "--email", "x@example.org", "--role", "resident", "--password", "password")
    assert weak.exit_code != 0 and "plus courants" in weak.output
    unknown = run(
        app,
        "--email",
        "y@example.org",
        "--role",
        "provider",
        "--provider",
        "nope",
        "--password",
        "semelles-et-talons",
    )
    assert unknown.exit_code != 0 and "nope" in unknown.output
    bad_role = run(
        app, "--email", "z@example.org", "--role", "admin", "--password", "semelles-et-talons"
    )
    assert bad_role.exit_code != 0
