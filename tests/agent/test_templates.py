import pytest

from agent import templates
from agent.errors import ConfigError
from agent.templates import load_members, render

SHIPPED = {
    "system": {},
    "system_health": {},
    "system_education": {},
    "interpret": {"question": "How long does it take?"},
    "perspective": {"perspective": "You value liberty.", "question": "Should X?"},
    "clarify": {"question": "Which one do you mean?", "options": "- a\n- b"},
    "hedge": {"guess": "Paris", "confidence": "40%"},
    "hedge_unknown": {},
    "hedge_greedy": {"guess": "Paris", "confidence": "40%"},
    "perspectives_intro": {},
    "member_direct": {},
    "member_careful": {},
}


@pytest.mark.parametrize("name, variables", SHIPPED.items())
def test_shipped_templates_render_without_leftover_placeholders(name, variables):
    text = render(name, **variables)
    assert text and "$" not in text and not text.endswith("\n")
    for value in variables.values():
        assert value in text


def test_values_substituted():
    text = render("hedge", guess="Paris", confidence="40%")
    assert "Paris" in text and "40%" in text


def test_missing_variable_is_config_error():
    with pytest.raises(ConfigError, match=r"hedge.txt needs variable \$(guess|confidence)"):
        render("hedge", guess="Paris")


def test_missing_template_and_bad_name():
    with pytest.raises(ConfigError, match="not found"):
        render("no_such_template")
    with pytest.raises(ConfigError, match="Invalid template name"):
        render("../etc/passwd")


def test_malformed_template(tmp_path, monkeypatch):
    (tmp_path / "bad.txt").write_text("cost: $5 and $")
    monkeypatch.setattr(templates, "PROMPTS_DIR", tmp_path)
    with pytest.raises(ConfigError, match="malformed"):
        render("bad")


def test_members_are_prompt_variants():
    members = load_members()
    assert [m.id for m in members] == ["direct", "careful"]
    for m in members:
        system = m.system_prompt("system")
        assert system.startswith(render("system")) and system.endswith(render(m.template))


def test_members_file_validated(tmp_path):
    path = tmp_path / "members.yaml"
    path.write_text("members:\n  - id: a\n    description: x\n    template: nope\n")
    with pytest.raises(ConfigError, match="member 0 .*'template'"):
        load_members(path)
    path.write_text(
        "members:\n  - {id: a, description: x, template: system}\n"
        "  - {id: a, description: y, template: system}\n"
    )
    with pytest.raises(ConfigError, match="member 1: duplicate id 'a'"):
        load_members(path)
