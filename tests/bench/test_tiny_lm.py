"""The tiny byte-level LM: encoding by hand, causality, per-sample losses, and that it learns."""

import math

import pytest
import torch

from dataprep.bench.tiny_lm import (
    PAD,
    ByteTransformer,
    Curve,
    encode,
    encode_tokens,
    evaluate,
    sample_losses,
    token_losses,
    train,
)


def test_encode_shifts_bytes_and_masks_padding():
    inputs, targets = encode(["ab", "é"], context=4)
    assert inputs.tolist() == [[97, 98, PAD, PAD], [0xC3, 0xA9, PAD, PAD]]
    assert targets.tolist() == [[98, -100, -100, -100], [0xA9, -100, -100, -100]]
    inputs, targets = encode(["abcdefg"], context=3)  # the first context + 1 bytes
    assert inputs.tolist() == [[97, 98, 99]] and targets.tolist() == [[98, 99, 100]]


def test_the_model_is_causal():
    torch.manual_seed(0)
    model = ByteTransformer(context=8, width=16, layers=1, heads=2).eval()
    a, _ = encode(["abcdefgh"], 8)
    b = a.clone()
    b[0, 5] = 120
    with torch.no_grad():
        same = model(a)[0, :5], model(b)[0, :5]
        changed = model(a)[0, 5], model(b)[0, 5]
    assert torch.allclose(*same, atol=1e-6)
    assert not torch.allclose(*changed)


def test_per_sample_loss_is_the_mean_over_real_bytes():
    torch.manual_seed(0)
    model = ByteTransformer(context=8, width=16, layers=1, heads=2)
    losses = sample_losses(model, ["abc", "x", "abcabcabc"])
    assert losses.shape == (3,) and losses[1].item() == 0.0  # one byte: nothing to predict
    uniform = math.log(257)  # an untrained model predicts about uniformly
    assert all(abs(v - uniform) < 0.3 for v in (losses[0].item(), losses[2].item()))
    # evaluate() weighs bytes, not samples: 2 targets of "abc" and 7 of the third text
    expected = (2 * losses[0].item() + 7 * sample_losses(model, ["abcabcabc"])[0].item()) / 9
    assert evaluate(model, ["abc", "x", "abcabcabc"]) == pytest.approx(expected, rel=1e-4)


def test_training_lowers_the_loss_and_reports_every_step():
    torch.manual_seed(0)
    model = ByteTransformer(context=16, width=32, layers=1, heads=2)
    texts = ["to be or not to be, that is"] * 8
    seen = []
    curve = train(
        model,
        iter(lambda: texts, None),
        steps=40,
        valid_texts=texts[:1],
        eval_every=20,
        learning_rate=1e-2,
        on_losses=lambda step, losses: seen.append((step, len(losses))),
    )
    assert curve.eval_steps == [20, 40] and len(curve.train_loss) == 40
    assert seen[0] == (0, 8) and seen[-1] == (39, 8)
    assert curve.eval_loss[-1] < 0.5 * math.log(256)
    assert curve.first_step_reaching(curve.eval_loss[-1]) in (20, 40)
    assert Curve([10, 20], [3.0, 2.0]).first_step_reaching(2.5) == 20
    assert Curve([10], [3.0]).first_step_reaching(1.0) is None


def test_token_batches_give_the_losses_of_the_same_bytes_as_texts():
    torch.manual_seed(0)
    model = ByteTransformer(context=8, width=16, layers=1, heads=2)
    texts = ["abcdefghi", "hé wörl"]  # exactly context + 1 bytes each: no padding
    tokens = torch.tensor([list(text.encode()) for text in texts])
    assert [a.tolist() for a in encode_tokens(tokens, 8)] == [t.tolist() for t in encode(texts, 8)]
    from_texts, text_mask = token_losses(model, texts)
    from_tokens, token_mask = token_losses(model, tokens)
    assert torch.allclose(from_texts, from_tokens) and token_mask.all() and text_mask.all()
    # In a token batch PAD/EOS (256) is a target like any token.
    with_eos = tokens.clone()
    with_eos[0, 4] = PAD
    assert token_losses(model, with_eos)[1].all()
    with pytest.raises(ValueError, match="context \\+ 1"):
        encode_tokens(torch.zeros(2, 10, dtype=torch.long), 8)


def test_training_on_token_batches_lowers_the_loss_and_reports_per_sample_losses():
    torch.manual_seed(0)
    model = ByteTransformer(context=16, width=32, layers=1, heads=2)
    text = "to be or not to be, that is"
    stream = torch.tensor(list(text.encode()) * 8)
    batch = stream[: 8 * 17].reshape(8, 17)
    seen = []
    curve = train(
        model,
        iter(lambda: batch, None),
        steps=40,
        valid_texts=[text],
        eval_every=20,
        learning_rate=1e-2,
        on_losses=lambda step, losses: seen.append((step, losses.shape)),
        on_token_losses=lambda step, b, losses, mask: seen.append((b is batch, mask.shape)),
    )
    assert seen[:2] == [(0, (8,)), (True, (8, 16))] and len(seen) == 80
    assert curve.eval_steps == [20, 40] and curve.train_loss[-1] < 0.5 * curve.train_loss[0]
    assert curve.eval_loss[-1] < 0.5 * math.log(256)
