"""The examples run end to end on a small slice of real data (tinyshakespeare)."""

import importlib.util
import json
import sys

import pytest
from conftest import REPO, shared_file

EXAMPLES = REPO / "examples"


def load_example(name: str):
    sys.path.insert(0, str(EXAMPLES))  # the examples import their sibling module `common`
    try:
        spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXAMPLES))
    return module


@pytest.fixture
def corpus():
    return str(shared_file("tinyshakespeare", "tinyshakespeare.jsonl.gz"))


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["odm", "doremi"])
def test_train_tiny_lm_trains_both_ways_and_reports_weights(tmp_path, corpus, rule, capsys):
    args = ["--data", corpus, "--out", str(tmp_path), "--limit", "400", "--steps", "12"]
    args += ["--eval-every", "6", "--width", "32", "--layers", "1", "--context", "32"]
    result = load_example("train_tiny_lm").main([*args, "--rule", rule, "--pacing", "root"])
    for run in ("curriculum", "adaptive"):
        curve = result[run]
        assert curve["eval_steps"] == [6, 12] and len(curve["train_loss"]) == 12
        assert curve["eval_loss"][-1] < 5.55  # below an untrained model's ln(257)
    history = result["weights"]["history"]
    assert len(history) >= 12
    for entry in history:
        assert sum(entry["weights"]) == pytest.approx(1.0) and min(entry["weights"]) >= 0.05 - 1e-9
    assert json.loads((tmp_path / "curves.json").read_text())["curriculum"] == result["curriculum"]
    plan = json.loads((tmp_path / "curriculum" / "schedule.json").read_text())
    assert plan["pacing"] == "root" and plan["samples"] == 12 * 32
    assert "weight history" in capsys.readouterr().out


@pytest.mark.slow
def test_train_tiny_lm_packed_trains_on_the_curriculum_tokens_in_order(
    tmp_path, corpus, capsys, monkeypatch
):
    import torch

    from dataprep.sampling.arrow_rows import open_arrow

    example = load_example("train_tiny_lm")
    batches = []
    real_train = example.train

    def recording_train(model, stream, **kwargs):
        def recorded():
            for batch in stream:
                batches.append(batch)
                yield batch

        return real_train(model, recorded(), **kwargs)

    monkeypatch.setattr(example, "train", recording_train)
    args = ["--data", corpus, "--out", str(tmp_path), "--limit", "400", "--steps", "12"]
    args += ["--eval-every", "6", "--width", "32", "--layers", "1", "--context", "32"]
    result = example.main([*args, "--packed"])
    assert set(result) == {"curriculum", "packed"}
    packed = result["packed"]
    assert packed["eval_steps"] == [6, 12] and len(packed["train_loss"]) == 12
    assert packed["eval_loss"][-1] < packed["eval_loss"][0] < 5.55  # ln(257): untrained
    assert packed["train_loss"][-1] < packed["train_loss"][0]
    # The packed run's first batch is the curriculum's first documents in plan order, byte for
    # byte, each followed by EOS (256), cut into sequences of context + 1 tokens.
    token_batches = [batch for batch in batches if isinstance(batch, torch.Tensor)]
    assert len(token_batches) == 12 and token_batches[0].shape == (32, 33)
    stream = []
    for text in open_arrow(tmp_path / "curriculum" / "data").column("text").to_pylist():
        stream += [*text.encode("utf-8"), 256]
        if len(stream) >= 32 * 33:
            break
    assert token_batches[0].flatten().tolist() == stream[: 32 * 33]
    out = capsys.readouterr().out
    assert "curriculum (packed)" in out and "adaptive" not in out


@pytest.mark.slow
def test_hf_trainer_in_order_and_adaptive(tmp_path, corpus):
    args = ["--data", corpus, "--out", str(tmp_path), "--limit", "300", "--steps", "6"]
    result = load_example("hf_trainer").main([*args, "--batch-size", "4"])
    assert 0 < result["curriculum_loss"] < 20 and 0 < result["adaptive_loss"] < 20
    weights = result["weights"]
    assert len(weights["history"]) >= 6  # one update per training step


@pytest.mark.slow
def test_finetune_lora_trains_only_the_adapters(tmp_path, corpus):
    args = ["--data", corpus, "--out", str(tmp_path), "--limit", "300", "--steps", "15"]
    result = load_example("finetune_lora").main(args)
    assert 0 < result["trainable"] < result["total"] / 20
    assert result["after"] < result["before"]
    assert result["reloaded"] == pytest.approx(result["after"], rel=1e-5)
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()


def _parsers_without_defaults(path) -> list[str]:
    """Where a script's --help would not show a default: a parser without
    ArgumentDefaultsHelpFormatter, or an option without a help text (argparse shows the
    default only after a help text)."""
    import ast

    missing = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        called = getattr(node.func, "attr", "")
        if called == "ArgumentParser":
            formatter = keywords.get("formatter_class")
            if getattr(formatter, "attr", "") != "ArgumentDefaultsHelpFormatter":
                missing.append(f"{path.name}:{node.lineno}: parser")
        elif called == "add_argument" and "help" not in keywords:
            missing.append(f"{path.name}:{node.lineno}: {ast.literal_eval(node.args[0])}")
    return missing


def test_every_script_help_shows_its_defaults():
    scripts = [
        path
        for folder in (EXAMPLES, REPO / "benchmarks")
        for path in sorted(folder.glob("*.py"))
        if "ArgumentParser(" in path.read_text()
    ]
    assert len(scripts) >= 14
    assert [m for path in scripts for m in _parsers_without_defaults(path)] == []


def test_help_of_a_script_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        load_example("train_tiny_lm").main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "training steps (default: 300)" in shown
    assert "the sampler's mixing rule (default: odm)" in shown
