"""Configuration from the environment, and the instance secret key."""
import stat

from kennisbank import create_app
from kennisbank.config import from_environment, normalise_database_url


def test_environment_overrides_defaults():
    found = from_environment({"KENNISBANK_DATABASE_URL": "postgresql://u@h/db", "KENNISBANK_INDEX_DIR": "/x",
                              "KENNISBANK_SESSION_COOKIE_SECURE": "true"})
    assert found == {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db", "INDEX_DIR": "/x",
                     "SESSION_COOKIE_SECURE": True}


def test_database_url_is_honoured_and_kennisbank_variable_wins():
    assert from_environment({"DATABASE_URL": "postgres://a@b/c"})["SQLALCHEMY_DATABASE_URI"] == \
        "postgresql+psycopg://a@b/c"
    both = from_environment({"DATABASE_URL": "postgres://a@b/c", "KENNISBANK_DATABASE_URL": "sqlite:///x"})
    assert both["SQLALCHEMY_DATABASE_URI"] == "sqlite:///x"


def test_normalise_keeps_other_urls():
    assert normalise_database_url("sqlite:////tmp/x.sqlite") == "sqlite:////tmp/x.sqlite"


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("KENNISBANK_SECRET_KEY", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    first = create_app(config, instance_path=str(tmp_path / "instance"))
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists()
    assert first.config["SECRET_KEY"] and len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = create_app(config, instance_path=str(tmp_path / "instance"))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_search_settings_are_checked_at_start_with_a_dutch_message(tmp_path):
    import pytest

    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "k"}
    for key, value, message in [("SEARCH_SYNC", "soms", "KENNISBANK_SEARCH_SYNC moet een van"),
                                ("SEARCH_LOG_RETENTION_DAYS", "dertig", "moet een aantal dagen zijn"),
                                ("SEARCH_LOG_RETENTION_DAYS", "-1", "moet een aantal dagen zijn")]:
        with pytest.raises(ValueError, match=message):
            create_app(base | {key: value}, instance_path=str(tmp_path / "instance"))
    app = create_app(base | {"SEARCH_SYNC": "worker", "SEARCH_LOG_RETENTION_DAYS": "0"},
                     instance_path=str(tmp_path / "instance"))
    assert app.config["SEARCH_LOG_RETENTION_DAYS"] == 0.0 and "kennisbank_indexer" not in app.extensions


def test_search_cache_budget_has_a_floor_and_reaches_the_cache(tmp_path):
    import pytest

    from kennisbank.config import ConfigurationError
    from kennisbank.search import arrays

    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "k"}
    for value in ("15", "veel"):
        with pytest.raises(ConfigurationError, match=f"KENNISBANK_SEARCH_CACHE_MB moet een heel getal van minstens 16 "
                                                     f"zijn, niet '{value}'"):
            create_app(base | {"SEARCH_CACHE_MB": value}, instance_path=str(tmp_path / "instance"))
    try:
        create_app(base | {"SEARCH_CACHE_MB": "16"}, instance_path=str(tmp_path / "instance"))
        assert arrays.cache.budget == 16 * 2**20
    finally:
        arrays.configure(arrays.DEFAULT_BUDGET_MB)


def test_sqlite_runs_in_write_ahead_log_mode(tmp_path):
    """Readers (searches loading their rows) never wait for a writer's commit."""
    from sqlalchemy import text

    from kennisbank.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "k"},
                     instance_path=str(tmp_path / "instance"))
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA mmap_size")).scalar() == 256 * 2**20


def test_the_daily_notification_hour_is_an_hour_of_the_day(tmp_path):
    import pytest

    from kennisbank.config import ConfigurationError

    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "k"}
    for value in ("-1", "24", "zeven"):
        with pytest.raises(ConfigurationError, match=f"KENNISBANK_NOTIFY_DAILY_HOUR moet een heel getal van 0 tot en "
                                                     f"met 23 zijn, niet '{value}'"):
            create_app(base | {"NOTIFY_DAILY_HOUR": value}, instance_path=str(tmp_path / "instance"))
    for value in ("0", "23"):
        assert create_app(base | {"NOTIFY_DAILY_HOUR": value},
                          instance_path=str(tmp_path / "instance")).config["NOTIFY_DAILY_HOUR"] == int(value)
    with pytest.raises(ConfigurationError, match="KENNISBANK_UNFOLLOW_LINK_DAYS moet een heel getal van minstens 1"):
        create_app(base | {"UNFOLLOW_LINK_DAYS": "0"}, instance_path=str(tmp_path / "instance"))
