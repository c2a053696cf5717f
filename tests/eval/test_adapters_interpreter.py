"""Interpreter adapter's training parts: split guard, CLAMBER alternatives, masking."""

from __future__ import annotations

from collections import defaultdict

import pytest

from eval.adapters.interpreter import IGNORE, collate, encode_pair
from eval.adapters.readings import REQUESTS, all_requests, alternatives, pairs, subsample
from eval.splits import normalise, split_of_text


def test_a_request_and_its_readings_are_in_one_split_and_the_subsample_is_fixed(data_dir):
    requests = all_requests(data_dir)
    splits = defaultdict(set)
    for r in requests:
        assert r.split == split_of_text(r.text)  # the project's fixed split, by request
        splits[normalise(r.text)].add(r.split)
    assert all(len(s) == 1 for s in splits.values())
    picked = subsample(requests)
    assert picked == subsample(all_requests(data_dir))  # seeded: the same rows every run
    train = {normalise(q) for q, _ in pairs([r for r in picked if r.split == "train"])}
    held_out = {normalise(r.text) for r in picked if r.split != "train"}
    assert train and held_out and not train & held_out
    for source, sizes in REQUESTS.items():
        for split, n in sizes.items():
            got = [r for r in picked if r.source == source and r.split == split]
            assert 0 < len(got) <= n


def test_clamber_alternatives_are_read_from_which_one_questions_only():
    assert alternatives("Which one: MLB, or College?") == ["MLB", "College"]
    assert alternatives("Which one: 2017, 2016, or 2014?") == ["2017", "2016", "2014"]
    assert alternatives("Which type of monotheism: quasi, or personal?") == ["quasi", "personal"]
    assert alternatives("Can you provide your budget and lifestyle preferences?") == []
    assert alternatives('What is "Chacojos" referring to?') == []


class _Tokenizer:
    """Characters as tokens: enough to check what is masked."""

    def apply_chat_template(self, messages, add_generation_prompt, tokenize):
        return f"<u>{messages[0]['content']}<a>"

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [ord(c) for c in text]}

    def convert_tokens_to_ids(self, token):
        return 0


def test_only_the_reading_and_its_end_are_learned():
    ids, labels = encode_pair(_Tokenizer(), "Who won?", "Who won in 2020?")
    learned = [t for t in labels if t != IGNORE]
    assert learned == [ord(c) for c in "Who won in 2020?"] + [0]
    assert len(ids) == len(labels) and labels[: len(ids) - len(learned)] == [IGNORE] * (
        len(ids) - len(learned)
    )
    batch_ids, mask, batch_labels = collate([(ids, labels), (ids[:5], labels[:5])], pad=7)
    assert batch_ids.shape == batch_labels.shape == mask.shape
    assert mask[1].sum() == 5 and (batch_labels[1, 5:] == IGNORE).all()
    assert (batch_ids[1, 5:] == 7).all()


@pytest.mark.parametrize("source", ["ambignq", "ambient", "clamber"])
def test_every_source_gives_readings_that_differ_from_the_request(data_dir, source):
    requests = [r for r in all_requests(data_dir, (source,)) if r.split == "train"]
    assert requests
    for r in requests:
        assert r.readings and all(x.casefold() != r.text.casefold() for x in r.readings)
