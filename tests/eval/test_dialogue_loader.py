from collections import Counter

import pytest

from eval.dialogue_loader import DialogueError, load_dialogues, load_file

GOOD = """dialogues:
  - id: ok
    turns:
      - user: "write a login handler"
        expect: [clarify]
      - reply: "Flask"
        expect: [answer]
"""


def write(tmp_path, text, name="d.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_its_source_line(tmp_path):
    [d] = load_file(write(tmp_path, GOOD))
    assert d.turns[1].text == "Flask" and d.source == "d.yaml:2"


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, GOOD.replace("expect: [answer]", "expect: [answer"))
    with pytest.raises(DialogueError, match=r"d\.yaml:8: invalid YAML"):
        load_file(path)


def test_unknown_move_names_file_and_line(tmp_path):
    path = write(tmp_path, GOOD.replace("[answer]", "[shrug]"))
    with pytest.raises(DialogueError, match=r"d\.yaml:7: dialogues\.0\.turns\.1\.expect\.0"):
        load_file(path)


def test_reply_without_a_preceding_clarify_is_rejected(tmp_path):
    path = write(tmp_path, GOOD.replace("[clarify]", "[answer]"))
    with pytest.raises(DialogueError, match=r"d\.yaml:2: .*must follow a turn that expects"):
        load_file(path)


def test_missing_text_and_unknown_key_are_rejected(tmp_path):
    with pytest.raises(DialogueError, match=r"d\.yaml:4:.*exactly one of"):
        load_file(write(tmp_path, GOOD.replace('user: "write a login handler"', "note: x")))
    with pytest.raises(DialogueError, match=r"d\.yaml:6: .*colour"):
        load_file(
            write(
                tmp_path,
                GOOD.replace("expect: [clarify]", "expect: [clarify]\n        colour: red"),
            )
        )


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(DialogueError, match="already used in a.yaml:2"):
        load_dialogues(tmp_path)


def test_shipped_dialogues_cover_every_move_and_the_motivating_cases():
    dialogues = load_dialogues()
    assert len(dialogues) >= 40
    moves = Counter(m for d in dialogues for t in d.turns for m in t.expect)
    assert set(moves) == {"answer", "hedge", "clarify", "perspectives"}
    by_id = {d.id: d for d in dialogues}
    assert by_id["login-handler"].turns[0].expect == ["clarify"]
    assert any(d.turns[0].text.lower().startswith("is it rude") for d in dialogues)
    assert "telescope" in by_id["jwst-first-exoplanet"].turns[0].text.lower()
    assert by_id["jwst-first-exoplanet"].turns[0].expect == ["hedge"]
    assert any(len(d.turns) > 1 and d.turns[1].reply for d in dialogues)
