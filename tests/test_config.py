"""A wrong setting stops Chapar at start with one line naming it; the secret key stays private."""
import stat

import pytest
from chapar_process import chapar_env, free_port, run_chapar

from chapar.config import Config, ConfigError

CLOSED = free_port()  # nothing listens here: an unreachable server (filled in at run time so ids stay stable)


@pytest.mark.parametrize("setting, value, message", [
    ("MAX_UPLOAD_MB", "abc", "CHAPAR_MAX_UPLOAD_MB: expected a whole number, got 'abc'"),
    ("DEFAULT_LOCALE", "xx", "CHAPAR_DEFAULT_LOCALE: expected one of en, fa, got 'xx'"),
    ("DATABASE_URL", "mysql://chapar@localhost/chapar", "CHAPAR_DATABASE_URL: unsupported scheme 'mysql'"),
    ("DATABASE_URL", "postgresql://chapar:s3cret@127.0.0.1:{closed}/chapar",
     "CHAPAR_DATABASE_URL: cannot connect to 127.0.0.1:{closed}/chapar: "),
    ("DATABASE_URL", "sqlite:////nonexistent-folder/chapar.db", "CHAPAR_DATABASE_URL: cannot connect to sqlite:"),
    ("REDIS_URL", "redis://:s3cret@127.0.0.1:{closed}/0",
     "CHAPAR_REDIS_URL: cannot reach Redis at 127.0.0.1:{closed}/0: "),
])
def test_a_wrong_setting_fails_at_start_with_one_line_naming_it(tmp_path, redis_url, setting, value, message):
    value, message = value.format(closed=CLOSED), message.format(closed=CLOSED)
    settings = {"REDIS_URL": redis_url, setting: value}
    result = run_chapar(chapar_env(tmp_path, **settings), "migrate")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"Error: {message}"), result.stderr
    assert "Traceback" not in result.stdout + result.stderr and "s3cret" not in result.stderr


@pytest.mark.parametrize("setting, value, message", [
    ("HTTPS", "maybe", "CHAPAR_HTTPS: expected true or false, got 'maybe'"),
    ("WORKERS", "0", "CHAPAR_WORKERS: must be at least 1"),
    ("JOB_TIMEOUT", "-5", "CHAPAR_JOB_TIMEOUT: must not be negative, got -5"),
    ("LOG_LEVEL", "LOUD", "CHAPAR_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'"),
])
def test_every_kind_of_setting_is_checked(setting, value, message):
    with pytest.raises(ConfigError) as raised:
        Config(environ={f"CHAPAR_{setting}": value})
    assert str(raised.value) == message


def test_settings_are_typed(tmp_path):
    config = Config(environ={"CHAPAR_HOME": str(tmp_path), "CHAPAR_MAX_UPLOAD_MB": " 12 ", "CHAPAR_HTTPS": "yes",
                             "CHAPAR_DISABLED_PLUGINS": "fax, ,sms"})
    assert (config.MAX_UPLOAD_MB, config.HTTPS, config.DISABLED_PLUGINS) == (12, True, ("fax", "sms"))
    assert config.DATABASE_URL == f"sqlite:///{tmp_path / 'chapar.db'}" and config.embedded_redis


def test_the_generated_secret_key_is_private_and_survives_restarts(tmp_path):
    first = Config(environ={"CHAPAR_HOME": str(tmp_path)}).prepare_home()
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.SECRET_KEY) >= 48 and key_file.read_text() == first.SECRET_KEY
    second = Config(environ={"CHAPAR_HOME": str(tmp_path)}).prepare_home()
    assert second.SECRET_KEY == first.SECRET_KEY


def test_a_secret_key_from_the_environment_is_used_and_not_written(tmp_path):
    config = Config(environ={"CHAPAR_HOME": str(tmp_path), "CHAPAR_SECRET_KEY": "from-the-environment"})
    assert config.prepare_home().SECRET_KEY == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_a_session_signed_before_a_restart_is_still_valid(app_config):
    from chapar import create_app

    first = create_app(app_config)
    with first.test_client() as browser:
        with browser.session_transaction() as session:
            session["remember"] = "me"
        cookie = browser.get_cookie(first.config.get("SESSION_COOKIE_NAME", "session"))
    restarted = create_app(app_config)
    with restarted.test_client() as browser:
        browser.set_cookie(cookie.key, cookie.value)
        with browser.session_transaction() as session:
            assert session.get("remember") == "me"


def test_an_instance_folder_too_deep_for_the_embedded_redis_socket_is_named(tmp_path):
    home = tmp_path / ("deep" * 30)
    result = run_chapar(chapar_env(home), "migrate")
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: CHAPAR_HOME: {home} is too long a path for the embedded Redis socket")
    assert result.stderr.count("\n") == 1
