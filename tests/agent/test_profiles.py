import pytest

from agent.errors import ConfigError
from agent.profiles import (
    CONTEXTS_DIR,
    ContextProfile,
    list_profiles,
    load_profile,
    save_profile,
)
from uncertainty import COMPONENT_NAMES

VALID = """\
name: custom
description: a test profile
thresholds: {semantic_entropy: 1.0, epistemic: 0.8, ambiguity: 0.3, value_conflict: 0.3}
max_clarify_rounds: 1
allowed_moves: [answer, hedge]
system_prompt: system
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CLARION_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("name", ["general", "health", "education"])
def test_shipped_profiles_load(name, data_dir):
    profile = load_profile(name)
    assert profile.name == name and profile.description
    assert tuple(profile.thresholds) == COMPONENT_NAMES
    assert "answer" in profile.allowed_moves
    # each shipped file documents where its numbers come from and how to fit them
    text = (CONTEXTS_DIR / f"{name}.yaml").read_text().casefold()
    assert "python -m eval calibrate" in text and "probabilit" in text and "nats" in text


def test_profiles_differ_as_designed(data_dir):
    general, health, education = (load_profile(n) for n in ("general", "health", "education"))
    assert health.thresholds["epistemic"] < general.thresholds["epistemic"]
    assert health.thresholds["value_conflict"] > general.thresholds["value_conflict"]
    assert education.thresholds["ambiguity"] < general.thresholds["ambiguity"]
    assert education.max_clarify_rounds > general.max_clarify_rounds


def test_a_profile_fitted_before_the_judges_still_loads(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text((CONTEXTS_DIR / "general.yaml").read_text() + "normative_threshold: 0.6\n")
    assert load_profile(path).name == "general"


def test_list_includes_user_profiles(data_dir):
    assert {"general", "health", "education"} <= set(list_profiles())
    (data_dir / "contexts").mkdir()
    (data_dir / "contexts" / "custom.yaml").write_text(VALID)
    assert "custom" in list_profiles()
    assert load_profile("custom").allowed_moves == {"answer", "hedge"}


def test_fitted_profile_overrides_shipped(data_dir):
    fitted = load_profile("general").model_copy(update={"max_clarify_rounds": 4})
    save_profile(fitted, data_dir / "contexts" / "general.yaml", comment="fitted by a test")
    assert load_profile("general").max_clarify_rounds == 4
    assert (data_dir / "contexts" / "general.yaml").read_text().startswith("# fitted by")


def test_load_by_path_and_name_defaults_to_stem(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(VALID.replace("name: custom\n", ""))
    assert load_profile(str(path)).name == "mine"
    assert load_profile(path).name == "mine"


def test_unknown_profile_lists_available(data_dir):
    with pytest.raises(ConfigError, match="Unknown context profile 'nope'.*general"):
        load_profile("nope")


@pytest.mark.parametrize(
    "text, needle",
    [
        ("name: x\ndescription: [unclosed\n", "not valid YAML"),
        (VALID.replace("max_clarify_rounds: 1\n", ""), "field 'max_clarify_rounds'"),
        (VALID.replace("ambiguity: 0.3, ", ""), "missing a threshold for ambiguity"),
        (VALID.replace("epistemic: 0.8", "epistemic: -1"), "field 'thresholds.epistemic'"),
        (VALID.replace("[answer, hedge]", "[hedge]"), "field 'allowed_moves'"),
        (VALID.replace("[answer, hedge]", "[answer, shrug]"), "field 'allowed_moves"),
        (VALID.replace("system_prompt: system", "system_prompt: nope"), "no template"),
        (VALID + "threshold: 0.5\n", "field 'threshold'"),
        ("- a list\n", "expected a mapping"),
    ],
)
def test_bad_profile_rejected_naming_file(tmp_path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    assert str(path) in str(err.value) and needle in str(err.value)


def test_model_validates_directly():
    with pytest.raises(ValueError):
        ContextProfile(
            name="x",
            description="d",
            max_clarify_rounds=1,
            allowed_moves={"answer"},
            thresholds={"semantic_entropy": 1, "epistemic": 1, "ambiguity": 1},
        )
