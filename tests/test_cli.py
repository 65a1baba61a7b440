"""`flask users ...` and `flask sessions prune`, as an operator uses them."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_create_list_and_roles(runner):
    assert (
        runner.invoke(
            args=["users", "create", "alice", "--role", "admin", "--role", "ops", "--password-stdin"],
            input=PASSWORD + "\n",
        ).exit_code
        == 0
    )
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0 and "alice\tadmin,ops" in listed.output


def test_create_prompts_with_confirmation(runner, login):
    result = runner.invoke(args=["users", "create", "alice"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert login().status_code == 200


def test_duplicate_user_is_a_clear_error(runner):
    runner.invoke(args=["users", "create", "alice", "--password-stdin"], input=PASSWORD + "\n")
    result = runner.invoke(args=["users", "create", "ALICE", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code != 0 and "already exists" in result.output


def test_weak_password_is_refused(runner):
    result = runner.invoke(args=["users", "create", "alice", "--password-stdin"], input="password\n")
    assert result.exit_code != 0 and "password" in result.output.lower()


def test_unknown_user_is_a_clear_error(runner):
    for args in (["users", "delete", "ghost", "--yes"], ["users", "set-password", "ghost", "--password-stdin"]):
        result = runner.invoke(args=args, input=PASSWORD + "\n")
        assert result.exit_code != 0 and "No user named 'ghost'" in result.output


def test_set_password_signs_out_and_new_password_works(make_user, runner, login, client):
    make_user()
    login()
    token = client.get_cookie("access_token").value
    result = runner.invoke(
        args=["users", "set-password", "alice", "--password-stdin"], input="a brand new passphrase\n"
    )
    assert result.exit_code == 0 and "1 session(s) signed out" in result.output
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(password=PASSWORD).status_code == 401
    assert login(password="a brand new passphrase").status_code == 200


def test_delete_asks_before_deleting(make_user, runner):
    make_user()
    assert runner.invoke(args=["users", "delete", "alice"], input="n\n").exit_code != 0
    assert "alice" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "delete", "alice"], input="y\n").exit_code == 0
    assert "alice" not in runner.invoke(args=["users", "list"]).output
