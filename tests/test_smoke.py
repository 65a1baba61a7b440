def test_login_sets_cookie(make_user, login, client):
    make_user()
    reply = login()
    assert reply.status_code == 200
    assert client.get("/auth/me").json["user"]["username"] == "alice"


def test_live(live_server):
    env = live_server.env()
    live_server.prepare(env, {"alice": "correct horse battery staple"})
    url = live_server.start(env, workers=2)
    import requests

    s = requests.Session()
    r = s.post(url + "/auth/login", json={"username": "alice", "password": "correct horse battery staple"})
    assert r.status_code == 200, r.text
    assert s.get(url + "/auth/me").status_code == 200
