import pytest

from remediate.config import PROJECT_ROOT, load_settings
from remediate.errors import ConfigError


def test_defaults_are_embedded_and_offline():
    settings = load_settings(env={})
    assert settings.planner == "offline"
    assert settings.catalog == PROJECT_ROOT / "playbooks" / "catalog.yaml"
    assert settings.database.parent == settings.state_dir


def test_environment_overrides_the_file(tmp_path):
    file = tmp_path / "remediate.yaml"
    file.write_text("planner: llm\nstate_dir: state\nllm: {base_url: http://file/v1, model: a}\n")
    settings = load_settings(
        file,
        env={
            "OPENAI_BASE_URL": "http://env/v1",
            "REMEDIATE_LLM_MODEL": "b",
            "OPENAI_API_KEY": "sk-test",
        },
    )
    assert settings.llm.base_url == "http://env/v1" and settings.llm.model == "b"
    assert settings.llm.api_key is not None and settings.llm.api_key.get_secret_value() == "sk-test"
    assert "sk-test" not in repr(settings)
    assert settings.state_dir == tmp_path / "state"


@pytest.mark.parametrize(
    "text", ["planner: magic\n", "unknown_key: 1\n", "- a list\n", "llm: {max_steps: 0}\n"]
)
def test_bad_configuration_fails_loudly(tmp_path, text):
    file = tmp_path / "remediate.yaml"
    file.write_text(text)
    with pytest.raises(ConfigError):
        load_settings(file, env={})
