"""The Agent's speed-up options (issue 8) reach the backend's sampling parameters."""

import pytest

from agent.config import AgentConfig
from agent.context import Context, Resources
from agent.errors import ConfigError
from agent.llm.stopping import SAMPLE_STOPS


def test_defaults_and_validation(tmp_path):
    config = AgentConfig(db_path=tmp_path / "x.sqlite")
    assert config.straggler_factor == 1.5 and config.sample_stop == "none"
    with pytest.raises(ConfigError, match="straggler_factor"):
        AgentConfig.parse({"straggler_factor": 0.5})
    with pytest.raises(ConfigError, match="sample_stop"):
        AgentConfig.parse({"sample_stop": "paragraph"})


@pytest.mark.parametrize("factor, stop", [(0.0, "none"), (2.0, "sentence"), (1.5, "line")])
def test_runtime_params_carry_the_options(tmp_path, factor, stop):
    config = AgentConfig(db_path=tmp_path / "x.sqlite", straggler_factor=factor, sample_stop=stop)
    params = Context(Resources(config)).params(4, SAMPLE_STOPS[config.sample_stop])
    assert params.straggler_factor == factor
    assert params.stop == SAMPLE_STOPS[stop]
    assert (params.n, params.max_new_tokens) == (4, config.max_new_tokens)
