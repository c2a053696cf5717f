import json
from pathlib import Path

import pytest

from agent.config import AgentConfig, read_data_file
from agent.errors import ConfigError


def test_defaults_fill_paths_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CLARION_DATA_DIR", str(tmp_path / "data"))
    config = AgentConfig()
    assert config.context == "general" and config.samples == 4 and config.readings == 3
    assert config.perspectives == 4 and config.max_new_tokens == 48 and config.seed == 0
    assert config.data_dir == tmp_path / "data"
    assert config.db_path == tmp_path / "data" / "clarion.sqlite"


def test_defaults_use_platformdirs_without_env(monkeypatch):
    from platformdirs import user_data_dir

    monkeypatch.delenv("CLARION_DATA_DIR", raising=False)
    config = AgentConfig()
    assert config.data_dir == Path(user_data_dir("clarion"))
    assert config.db_path == Path(user_data_dir("clarion")) / "clarion.sqlite"


def test_explicit_db_path_kept(tmp_path):
    config = AgentConfig(data_dir=tmp_path, db_path=tmp_path / "x.db")
    assert config.db_path == tmp_path / "x.db" and config.data_dir == tmp_path


def test_load_yaml_and_json(tmp_path):
    y = tmp_path / "c.yaml"
    y.write_text("samples: 8\ncontext: health\nquantize: 4bit\n")
    config = AgentConfig.load(y)
    assert (config.samples, config.context, config.quantize) == (8, "health", "4bit")
    j = tmp_path / "c.json"
    j.write_text(json.dumps({"readings": 2, "seed": None}))
    config = AgentConfig.load(j)
    assert config.readings == 2 and config.seed is None


@pytest.mark.parametrize(
    "text, field",
    [
        ("samples: 0\n", "samples"),
        ("samples: 33\n", "samples"),
        ("readings: 9\n", "readings"),
        ("perspectives: 1\n", "perspectives"),
        ("quantize: 3bit\n", "quantize"),
        ("temperature: 0\n", "temperature"),
        ("sampels: 4\n", "sampels"),  # typo: unknown keys are rejected
    ],
)
def test_invalid_field_named_with_file(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        AgentConfig.load(path)
    assert str(path) in str(err.value) and f"'{field}'" in str(err.value)


def test_malformed_and_missing_files(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("samples: [1, 2\n")
    with pytest.raises(ConfigError, match="broken.yaml: not valid YAML"):
        AgentConfig.load(bad)
    badj = tmp_path / "broken.json"
    badj.write_text("{samples: 1}")
    with pytest.raises(ConfigError, match="broken.json: not valid JSON"):
        AgentConfig.load(badj)
    with pytest.raises(ConfigError, match="file not found"):
        AgentConfig.load(tmp_path / "nope.yaml")
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        AgentConfig.load(listy)


def test_empty_file_means_defaults(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert AgentConfig.load(empty).samples == 4
    assert read_data_file(empty) is None


def test_updated_validates_and_moves_db_with_data_dir(tmp_path):
    config = AgentConfig(data_dir=tmp_path / "a")
    moved = config.updated(data_dir=tmp_path / "b", samples=6)
    assert moved.samples == 6 and moved.db_path == tmp_path / "b" / "clarion.sqlite"
    assert config.samples == 4  # the original is unchanged
    pinned = AgentConfig(data_dir=tmp_path / "a", db_path=tmp_path / "x.db")
    assert pinned.updated(data_dir=tmp_path / "b").db_path == tmp_path / "x.db"
    with pytest.raises(ConfigError, match="settings: field 'readings'"):
        config.updated(readings=0)
