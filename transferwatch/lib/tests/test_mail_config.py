"""TRANSFERWATCH_MAIL_TO and EMAIL_PORT: where letters go, read with one clear line per mistake."""

from __future__ import annotations

import pytest

from transferwatch.lib import config


def test_development_sends_to_invented_addresses_and_production_to_none() -> None:
    assert config.mail_to({}, "development")["doj"].endswith(".example")
    assert config.mail_to({}, "production") == {}


def test_entries_override_by_kind_and_name_a_state_ag() -> None:
    raw = "doj=crt@usdoj.example, state_ag:pa=ag@pa.example ,component=crcl@ice.example"
    mail_to = config.mail_to({"TRANSFERWATCH_MAIL_TO": raw}, "production")
    assert mail_to == {
        "doj": "crt@usdoj.example",
        "state_ag:PA": "ag@pa.example",
        "component": "crcl@ice.example",
    }


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("sheriff=s@x.example", "'sheriff' is not known"),
        ("doj:PA=s@x.example", "'doj:PA' is not known"),
        ("state_ag:PENN=s@x.example", "is not known"),
        ("doj=not-an-address", "doj= needs an e-mail address"),
        ("doj", "doj= needs an e-mail address"),
    ],
)
def test_it_refuses_what_it_does_not_understand(raw: str, says: str) -> None:
    with pytest.raises(config.ConfigError, match=says):
        config.mail_to({"TRANSFERWATCH_MAIL_TO": raw}, "development")


def test_a_port_must_be_a_number() -> None:
    assert config.env_int({}, "EMAIL_PORT", 8025) == 8025
    assert config.env_int({"EMAIL_PORT": "587"}, "EMAIL_PORT", 8025) == 587
    with pytest.raises(config.ConfigError, match="EMAIL_PORT='smtp' is not a whole number"):
        config.env_int({"EMAIL_PORT": "smtp"}, "EMAIL_PORT", 8025)
