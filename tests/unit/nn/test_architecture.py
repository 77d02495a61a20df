"""Architectures as data: validation, JSON and flat-param round trips, the search space."""

from __future__ import annotations

import json

import optuna
import pytest

from jupyter_automl.nn import (
    Architecture,
    Block,
    InputStage,
    Training,
    architecture_from_params,
    architecture_space,
    complete_architecture,
    default_max_epochs,
    suggest_architecture,
    unsupported,
)
from jupyter_automl.nn._defaults import DEFAULT_ARCHITECTURES, default_architectures

RICH = Architecture(
    blocks=(Block(128, "gelu", "layer", 0.1, True), Block(64, "silu", "batch", 0.0, False)),
    inputs=InputStage(numeric="periodic", n_frequencies=8, frequency_scale=0.5),
    n_heads=4, ensemble="tabm_mini",
    training=Training(optimizer="sgd", lr=0.05, schedule="one_cycle", batch_size=64,
                      label_smoothing=0.1))


def test_dict_round_trip_through_json():
    text = json.dumps(RICH.to_dict())
    assert Architecture.from_dict(json.loads(text)) == RICH


def test_flat_params_round_trip():
    assert architecture_from_params(RICH.to_params()) == RICH


def test_shared_flat_params_round_trip():
    arch = Architecture(blocks=(Block(64, "gelu", "layer", 0.2, True), Block(32, "gelu", "layer", 0.2, True)))
    params = arch.to_params(per_block=False)
    assert params["activation"] == "gelu" and "block_0.activation" not in params
    assert architecture_from_params(params) == arch
    with pytest.raises(ValueError, match="The blocks differ in activation"):
        RICH.to_params(per_block=False)


def test_from_dict_fills_defaults():
    arch = Architecture.from_dict({"blocks": [{"width": 32}]})
    assert arch.blocks == (Block(32),)
    assert arch.training == Training()


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Block(width=0), "block width must be an integer from 1 to 4096. Got 0"),
    (lambda: Block(activation="swish"), r"block activation must be one of \['relu', 'gelu'"),
    (lambda: Block(dropout=1.5), "block dropout must be a number from 0 to 0.9. Got 1.5"),
    (lambda: Block(residual="yes"), "block residual must be True or False"),
    (lambda: Architecture(blocks=(Block(),) * 9), "number of blocks must be from 1 to 8. Got 9"),
    (lambda: Architecture(blocks=()), "number of blocks must be from 1 to 8. Got 0"),
    (lambda: Training(lr=0), "training.lr must be a number"),
    (lambda: InputStage(numeric="log"), r"inputs.numeric must be one of \['plain'"),
    (lambda: Architecture.from_dict({"blocks": [{"widht": 3}]}), "Unknown key 'widht' in the architecture's blocks"),
    (lambda: Architecture.from_dict({"head": 2}), "Unknown key 'head' in the architecture's top level"),
    (lambda: architecture_from_params({"n_blocks": 1, "block_0.units": 4}), "Unknown architecture search param 'block_0.units'"),
])
def test_validation_messages(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_shared_block_params_and_per_block_overrides():
    arch = architecture_from_params({"n_blocks": 3, "block_0.width": 8, "block_1.width": 16,
                                     "block_2.width": 32, "norm": "layer", "block_1.norm": "batch"})
    assert [b.norm for b in arch.blocks] == ["layer", "batch", "layer"]
    assert [b.width for b in arch.blocks] == [8, 16, 32]


def test_sklearn_params_get_the_fallbacks_optimiser():
    arch = architecture_from_params({"n_blocks": 1, "block_0.width": 8}, backend="sklearn")
    assert unsupported(arch) == []


@pytest.mark.parametrize("backend", ["torch", "sklearn"])
@pytest.mark.parametrize("per_block", [True, False])
def test_sampled_architectures_are_valid_and_ask_only_active_params(backend, per_block):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(25):
        trial = study.ask()
        arch = suggest_architecture(trial, prefix="neural.", backend=backend, per_block=per_block,
                                    classification=False)
        study.tell(trial, 0.0)
        n = trial.params["neural.n_blocks"]
        assert len(arch.blocks) == n
        assert f"neural.block_{n}.width" not in trial.params
        if backend == "sklearn":
            assert unsupported(arch) == []
        assert "neural.label_smoothing" not in trial.params
        if trial.params.get("neural.numeric_encoding") != "periodic":
            assert "neural.n_frequencies" not in trial.params


def test_space_defaults_are_in_range():
    for p in architecture_space():
        if p.kind == "categorical":
            assert p.default in p.choices, p.name
        else:
            assert p.low <= p.default <= p.high, p.name


def test_default_architectures_work_for_both_backends():
    assert set(default_architectures()) == set(DEFAULT_ARCHITECTURES)
    for arch in default_architectures(backend="sklearn", classification=False).values():
        assert unsupported(arch) == []
    for arch in default_architectures(classification=False).values():
        assert complete_architecture(arch)["training"]["label_smoothing"] == 0.0


def test_epoch_budget_shrinks_with_rows():
    assert default_max_epochs(100, 128) >= default_max_epochs(5000, 128) >= default_max_epochs(50000, 128)
    assert default_max_epochs(50000, 128) == 20  # the floor
