from eval.data.base import Item
from eval.data.sampling import allocate, stratified_sample


def items(n_pos, n_neg):
    return [Item(f"p{i}", "x", "t", "pos") for i in range(n_pos)] + [
        Item(f"n{i}", "x", "t", "neg") for i in range(n_neg)
    ]


def test_limit_keeps_both_classes_in_proportion():
    picked = stratified_sample(items(30, 70), 10, seed=1)
    labels = [it.label for it in picked]
    assert len(picked) == 10 and labels.count("pos") == 3 and labels.count("neg") == 7


def test_tiny_limit_still_has_both_classes():
    picked = stratified_sample(items(5, 95), 3, seed=0)
    assert {it.label for it in picked} == {"pos", "neg"}


def test_sample_is_seeded_and_not_the_first_rows():
    rows = items(50, 50)
    a = stratified_sample(rows, 6, seed=7)
    assert [i.id for i in a] == [i.id for i in stratified_sample(rows, 6, seed=7)]
    assert [i.id for i in a] != [i.id for i in stratified_sample(rows, 6, seed=8)]
    assert {i.id for i in a} != {"p0", "p1", "p2", "n0", "n1", "n2"}


def test_allocation_adds_up_and_respects_class_sizes():
    assert allocate({"a": 2, "b": 100}, 10) == {"a": 1, "b": 9}
    assert sum(allocate({"a": 3, "b": 4, "c": 5}, 7).values()) == 7
    assert allocate({"a": 3, "b": 4}, 50) == {"a": 3, "b": 4}
