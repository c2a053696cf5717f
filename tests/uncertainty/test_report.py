import json

from uncertainty import LabeledAnswer, LLMJudge, UncertaintyReport, estimate


def test_json_round_trip():
    items = [
        LabeledAnswer(t, logprob=-0.5 - i / 10, reading=r, perspective=p, member=m)
        for i, (t, r, p, m) in enumerate(
            [("yes", "r1", "care", "m1"), ("no", "r2", "liberty", "m2")] * 3
            + [("maybe", "r1", "liberty", "m1")]
        )
    ]
    report = estimate(items, LLMJudge(lambda q, a, b: False), "Should it?")
    text = report.to_json()
    back = UncertaintyReport.from_json(text)
    assert back == report
    assert json.loads(text)["ambiguity"]["name"] == "ambiguity"
    assert back.vector() == report.vector()
    assert [c.name for c in back.components()] == [
        "semantic_entropy",
        "epistemic",
        "ambiguity",
        "value_conflict",
    ]
    assert UncertaintyReport.from_dict(report.to_dict()) == report


def test_to_dict_holds_plain_python_types_only():
    items = [
        LabeledAnswer(t, logprob=-0.4, reading=r)
        for t, r in [("yes", "r1"), ("no", "r2"), ("yes", "r1"), ("no", "r2")]
    ]
    data = estimate(items, LLMJudge(lambda q, a, b: False), "Should it?").to_dict()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        else:
            assert type(value) in (str, int, float, bool, type(None)), type(value)

    walk(data)
