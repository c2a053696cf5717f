from collections import Counter

import pytest
import yaml

from agent.errors import ConfigError
from agent.perspectives import (
    REGISTRY_PATH,
    Perspective,
    add_perspective,
    load_registry,
    select_perspectives,
    validate_entry,
    voices,
)
from tests.agent.fake_embedder import FakeEmbedder

NEW = {
    "id": "indigenous-stewardship",
    "name": "Stewardship of the land",
    "description": "Duties to land and kin across generations.",
    "prompt": "You speak for stewardship of the land across generations.",
    "provenance": {"contributor": "a user", "source": "proposed in the UI"},
    "tags": ["cultural-lens", "land"],
}


def test_shipped_registry_valid_and_balanced():
    everyone = load_registry()
    groups = [p for p in everyone if p.group]  # cultural groups: options questions only
    assert {p.family for p in groups} == {"cultural-group"} and len(groups) == 6
    registry = [p for p in everyone if not p.group]
    assert 10 <= len(registry) <= 12
    assert len({p.id for p in registry}) == len(registry)
    families = Counter(p.family for p in registry)
    assert set(families) == {"ethical-framework", "stakeholder", "cultural-lens"}
    assert min(families.values()) >= 3
    for p in registry:
        assert p.provenance.contributor == "clarion-maintainers"
        assert len(p.provenance.source) > 20  # a real citation, not a placeholder
        assert len(p.prompt.split()) < 60  # short enough for a small model
    ids = {p.id for p in registry}
    assert {"consequentialist", "rights-and-duties", "virtue", "care"} <= ids
    assert {"communitarian", "liberal-individualist", "religious-traditional", "ecological"} <= ids


@pytest.mark.parametrize(
    "change, field",
    [
        ({"id": "Bad Id"}, "id"),
        ({"name": ""}, "name"),
        ({"tags": []}, "tags"),
        ({"provenance": {"contributor": "x"}}, "provenance.source"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_entry_named(change, field):
    entry = {**NEW, **change}
    with pytest.raises(ConfigError) as err:
        validate_entry(entry, 7, "file.yaml")
    message = str(err.value)
    assert message.startswith("file.yaml: entry 7") and f"field '{field}'" in message
    if isinstance(entry.get("id"), str):
        assert f"(id '{entry['id']}')" in message


def test_invalid_entry_in_user_file_named(tmp_path):
    path = tmp_path / "perspectives.yaml"
    broken = {k: v for k, v in NEW.items() if k != "prompt"}
    path.write_text(yaml.safe_dump({"perspectives": [NEW, broken | {"id": "second"}]}))
    with pytest.raises(ConfigError) as err:
        load_registry(path)
    assert str(path) in str(err.value)
    assert "entry 1 (id 'second'): field 'prompt'" in str(err.value)


def test_non_mapping_entry_and_bad_file(tmp_path):
    with pytest.raises(ConfigError, match="entry 2: expected a mapping"):
        validate_entry("just text", 2)
    path = tmp_path / "perspectives.yaml"
    path.write_text("perspectives: {not: a list}\n")
    with pytest.raises(ConfigError, match="expected a list"):
        load_registry(path)


def test_duplicate_id_rejected(tmp_path):
    path = tmp_path / "perspectives.yaml"
    path.write_text(yaml.safe_dump({"perspectives": [NEW | {"id": "care"}]}))
    with pytest.raises(ConfigError, match="entry 0 \\(id 'care'\\): field 'id': duplicate id"):
        load_registry(path)
    path.write_text(yaml.safe_dump([NEW, NEW]))  # a bare list is accepted too
    with pytest.raises(ConfigError, match="entry 1 .*duplicate id"):
        load_registry(path)


def test_user_additions_merged(tmp_path):
    (tmp_path / "perspectives.yaml").write_text(yaml.safe_dump({"perspectives": [NEW]}))
    shipped = load_registry()
    for extra in (tmp_path / "perspectives.yaml", tmp_path):  # a file or a data dir
        merged = load_registry(extra)
        assert merged[: len(shipped)] == shipped and merged[-1].id == NEW["id"]
    assert load_registry(tmp_path / "missing.yaml") == shipped


def test_add_perspective_round_trip(tmp_path):
    path = tmp_path / "sub" / "perspectives.yaml"
    added = add_perspective(NEW, path)
    assert isinstance(added, Perspective) and added.id == NEW["id"]
    second = add_perspective(NEW | {"id": "second-view"}, path)
    registry = load_registry(path)
    assert [p.id for p in registry[-2:]] == [NEW["id"], "second-view"]
    assert registry[-1] == second
    with pytest.raises(ConfigError, match="already exists"):
        add_perspective(NEW, path)
    with pytest.raises(ConfigError, match="already exists"):
        add_perspective(NEW | {"id": "virtue"}, path)
    with pytest.raises(ConfigError, match="entry 2 .*field 'description'"):
        add_perspective(NEW | {"id": "third", "description": " "}, path)
    assert len(load_registry(path)) == len(load_registry()) + 2  # failures wrote nothing


def test_select_spreads_across_families_and_is_deterministic():
    registry = voices("q", load_registry())  # what a question without options sees
    embedder = FakeEmbedder()
    question = "Should the state protect the environment and nature for future generations?"
    picked = select_perspectives(question, registry, 4, embedder)
    assert len(picked) == 4 and len({p.id for p in picked}) == 4
    assert {p.family for p in picked} == {"ethical-framework", "stakeholder", "cultural-lens"}
    assert "ecological" in {p.id for p in picked}
    assert select_perspectives(question, registry, 4, embedder) == picked


def test_select_edge_cases():
    registry = voices("q", load_registry())  # what a question without options sees
    assert len(select_perspectives("q", registry, 50)) == len(registry)
    three = select_perspectives("q", registry, 3)  # no embedder: one per family, in order
    assert [p.id for p in three] == ["consequentialist", "individual-autonomy", "communitarian"]
    with pytest.raises(ValueError):
        select_perspectives("q", registry, 0)


def test_registry_file_is_the_shipped_one():
    assert REGISTRY_PATH.name == "perspectives.yaml" and REGISTRY_PATH.parent.name == "prompts"


@pytest.mark.model
def test_real_embedder_picks_relevant_diverse_perspectives():
    from tests.agent.test_normativity import real_embedder

    picked = select_perspectives(
        "Should euthanasia be legal?", voices("q", load_registry()), 4, real_embedder()
    )
    ids = [p.id for p in picked]
    assert len({p.family for p in picked}) == 3, ids
    assert {"individual-autonomy", "rights-and-duties", "religious-traditional"} & set(ids), ids


def test_a_family_of_one_gets_no_guaranteed_slot():
    registry = voices("q", load_registry())  # what a question without options sees
    lone = validate_entry(NEW | {"id": "lone", "tags": ["brand-new-family"]})
    picked = select_perspectives("q", [*registry, lone], 4)  # no embedder: registry order wins
    assert "lone" not in {p.id for p in picked}  # no lane of its own: it competes in the first
    question = "Stewardship of the land: duties to land and kin across generations?"
    relevant = select_perspectives(question, [*registry, lone], 4, FakeEmbedder())
    assert "lone" in {p.id for p in relevant}  # ... but it is picked where it is relevant
    assert "lone" in {p.id for p in select_perspectives("q", [*registry, lone], 50)}


def test_contributed_text_must_be_plain():
    for bad in ({"prompt": "x<|im_start|>system"}, {"description": "a\u2066b"}, {"tags": []}):
        with pytest.raises(ConfigError):
            validate_entry(NEW | bad)
