"""The errata registry: every claim of the seed article, its verdict and its correction.

One :class:`Record` per claim, in the article's order (keywords and abstract, §1-§9, the references).
Numeric records carry a ``recompute`` function that returns the correct value; their ``correction``
text may contain ``{value}``, which :meth:`Record.correction_text` fills with that value, so the table,
the chapters and the tests all take the number from one place (:mod:`fbnn.casestudy`).

``render_table()`` produces the errata page's table (MyST Markdown with ``{doc}`` links).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fbnn import casestudy as cs

__all__ = [
    "VERDICTS",
    "Record",
    "RECORDS",
    "get",
    "by_chapter",
    "verdict_counts",
    "render_table",
    "format_value",
]

_PLACEHOLDER = re.compile(r"\{[a-z0-9_]+\}")

VERDICTS: tuple[str, ...] = ("correct", "wrong", "unsupported", "unverifiable")
"""Allowed verdicts: right as stated; false; asserted without evidence; not checkable."""


def format_value(value: object) -> str:
    """A recomputed value as text: floats to 6 significant decimals, arrays as bracketed lists, ints as is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.6f}".rstrip("0").rstrip(".") if abs(value) >= 1e-6 else f"{float(value):.3g}"
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 1:
        return "[" + ", ".join(format_value(float(v)) for v in arr) + "]"
    return "[" + "; ".join(format_value(row) for row in arr) + "]"


@dataclass(frozen=True)
class Record:
    """One claim of the article.

    Attributes
    ----------
    id : short unique key, e.g. ``"4.4-log-0.1"``.
    section : where it is, e.g. ``"§4.4"``, ``"keywords"``, ``"references"``.
    quote : a short phrase of the article (as printed, in Chinese where it is Chinese).
    verdict : one of :data:`VERDICTS`.
    correction : what is right; may contain ``{value}`` (or ``{name}`` for each key when ``recompute``
        returns a dict), filled from ``recompute``.
    chapter : stem of the book page that treats it (a file stem of ``_toc.yml``).
    printed : for numeric claims, the number the article prints (as text).
    recompute : for numeric claims, a function returning the correct value (or a dict of named values).
    """

    id: str
    section: str
    quote: str
    verdict: str
    correction: str
    chapter: str
    printed: str = ""
    recompute: Callable[[], object] | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"record {self.id!r}: verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if _PLACEHOLDER.search(self.correction) and self.recompute is None:
            raise ValueError(f"record {self.id!r}: correction has a placeholder but no recompute function")

    @property
    def numeric(self) -> bool:
        """Whether the record has a recomputation."""
        return self.recompute is not None

    def value(self) -> object:
        """The recomputed correct value (``ValueError`` for a non-numeric record)."""
        if self.recompute is None:
            raise ValueError(f"record {self.id!r} is not numeric")
        return self.recompute()

    def correction_text(self) -> str:
        """The correction with each placeholder replaced by its recomputed value."""
        if self.recompute is None:
            return self.correction
        value = self.value()
        values = value if isinstance(value, dict) else {"value": value}
        text = self.correction
        for key, v in values.items():
            if "{" + key + "}" not in text:
                raise ValueError(f"record {self.id!r}: correction does not show the value {key!r}")
            text = text.replace("{" + key + "}", format_value(v))
        if _PLACEHOLDER.search(text):
            raise ValueError(f"record {self.id!r}: placeholder left unfilled in {text!r}")
        return text


def _listing_data():
    from fbnn.datasets import article_listing_data

    return article_listing_data(0)


def _keras_uniform_loss() -> float:
    _, y = _listing_data()
    return cs.keras_categorical_crossentropy(y, np.full(y.shape, 0.1))


def _keras_best_loss() -> float:
    _, y = _listing_data()
    return cs.best_possible_keras_loss(y)


def _printed_product_elementwise() -> np.ndarray:
    return cs.PRINTED_DL_DA2 * cs.PRINTED_DA2_DZ2


R = Record
RECORDS: tuple[Record, ...] = (
    # --------------------------------------------------------------- title, keywords, abstract
    R("intro-scope", "opening", "大模型开发与微调中的反馈神经网络原理", "unsupported",
      "Nothing in the article concerns large models or fine-tuning; its network is a small "
      "multilayer perceptron.",
      "summary"),
    R("keywords-llm", "keywords", "大模型开发 / 微调", "unsupported",
      "Keywords the text never treats: no large model is built and no model is fine-tuned.", "summary"),
    R("abstract-finetune", "abstract", "通过具体案例讲解如何进行微调", "wrong",
      "The case study (§4.4) and the listing (§5) train a network from random weights; no "
      "fine-tuning is shown.",
      "case_study"),
    # --------------------------------------------------------------- §1
    R("1-definition", "§1", "通过神经网络内部的信息反馈来优化模型性能", "wrong",
      "A feedback (recurrent) network is defined by its connections: outputs of a unit feed back, "
      "with a delay, "
      "into its own or earlier units. Sending the error backwards to compute gradients is backpropagation, a "
      "training method that feed-forward networks use too.", "feedback_meaning"),
    R("1-loops", "§1", "反馈神经网络引入了反馈循环", "correct",
      "Feedback networks do contain cycles (e.g. Hopfield, Elman, Jordan networks), unlike "
      "feed-forward ones.",
      "feedback_meaning"),
    R("1-generalisation", "§1", "具备更好的泛化能力", "unsupported",
      "No evidence is given; recurrence adds memory of past inputs, not better generalisation in general.",
      "feedback_meaning"),
    R("1-history", "§1", "最早可以追溯到1980年代，由Jürgen Schmidhuber提出", "wrong",
      "Schmidhuber did not propose them. Nets with cycles appear already in McCulloch and Pitts "
      "(1943); Amari (1972), Little (1974) and Hopfield (1982) studied feedback networks before "
      "Schmidhuber's work on learning in recurrent networks (from 1989; LSTM with Hochreiter, 1997).",
      "feedback_meaning"),
    R("1-hot-topic", "§1", "逐渐成为研究热点，并应用于多个领域", "correct",
      "Recurrent networks (LSTM, GRU) became widely used, above all for sequences.", "feedback_meaning"),
    R("1-superres", "§1", "可以用于图像超分辨率", "unsupported",
      "No source or example; image super-resolution is mostly done with feed-forward convolutional networks.",
      "applications"),
    R("1-nlp", "§1", "可以用于文本生成和情感分析", "correct",
      "Recurrent networks have long been used for text generation and sentiment analysis.", "applications"),
    # --------------------------------------------------------------- §2
    R("2-figures", "§2", "反馈神经网络组成 (figure)", "unverifiable",
      "Both figures point to example.com placeholders; there is nothing to check.", "architecture"),
    R("2-layers", "§2", "输入层 / 隐藏层 / 输出层", "correct",
      "Input, hidden and output layers describe any layered network, feed-forward or feedback.",
      "architecture"),
    R("2-feedforward-path", "§2", "信息从前一层传递到后一层", "correct",
      "This is the forward pass.", "architecture"),
    R("2-feedback-path", "§2", "信息从输出层返回到输入层", "wrong",
      "Output-to-input feedback is only one case (Jordan networks feed the output back as context), "
      "not the definition: feedback connections can run from any unit to itself or to earlier units "
      "(Elman: hidden to context, Hopfield: all to all), always with a time step; "
      "backpropagation's backward pass "
      "carries gradients during training and is not a connection of the network.", "architecture"),
    R("2-dynamic", "§2", "可以通过调整网络权重来适应不同的输入和任务", "wrong",
      "The dynamics of a feedback network is the evolution of its state for fixed weights (e.g. a Hopfield "
      "network descending its energy); changing weights is training.", "hopfield"),
    R("2-adaptive", "§2", "网络可以不断优化其参数", "correct",
      "True of any trained network, and not specific to feedback networks.", "architecture"),
    # --------------------------------------------------------------- §3
    R("3.1-backprop", "§3.1", "反向传播算法：通过计算误差梯度，更新网络权重", "correct",
      "Backpropagation computes the gradient; a gradient-descent step then updates the weights.",
      "training_algorithm"),
    R("3.1-dynamic", "§3.1", "动态调整策略：根据反馈信息动态调整网络权重", "unsupported",
      "Never defined; the only weight update in the article is the gradient step of backpropagation.",
      "training_algorithm"),
    R("3.2-steps", "§3.2", "初始化 … 权重更新 (steps 1-6)", "correct",
      "Initialise, forward pass, loss, gradients, update: one training step of a multilayer perceptron "
      "(step 5 needs the backward pass through every layer, not only the output error).",
      "training_algorithm"),
    R("3.2-feedback-step", "§3.2", "反馈调整：根据反馈信息调整网络权重", "unsupported",
      "Step 7 repeats step 6 under another name; no separate 'feedback adjustment' exists in the algorithm.",
      "training_algorithm"),
    R("3.3-expressive", "§3.3", "强大的表达能力", "correct",
      "Networks with one hidden layer approximate continuous functions on compact sets (Cybenko "
      "1989; Hornik et "
      "al. 1989).", "training_algorithm"),
    R("3.3-adaptive", "§3.3", "自适应能力", "unsupported",
      "A restatement of training, with no evidence of a specific advantage.", "training_algorithm"),
    R("3.3-cost", "§3.3", "计算复杂度高", "unsupported",
      "One training step costs time proportional to the number of weights per example; small "
      "networks are cheap. "
      "The real difficulty of recurrent training is vanishing and exploding gradients.", "recurrent_bptt"),
    R("3.3-tuning", "§3.3", "参数调整难度大", "unsupported",
      "Stated without evidence; hyperparameters matter, but the article never tunes anything.",
      "training_algorithm"),
    R("3.4-fields", "§3.4", "人脸识别、物体检测 … 游戏AI、自动驾驶", "unsupported",
      "These applications are named without sources; face recognition and object detection use mostly "
      "feed-forward convolutional networks.", "applications"),
    # --------------------------------------------------------------- §4.1
    R("4.1-model", "§4.1", "z = W·x + b, a = σ(z)", "correct",
      "The model of one dense layer; with W of shape (n_out, n_in) it maps x in R^n_in to z in "
      "R^n_out.",
      "model"),
    R("4.1-feedback-model", "§4.1", "反馈神经网络的数学模型主要基于以下公式", "wrong",
      "These equations describe a feed-forward layer: nothing feeds back. A feedback network's "
      "state depends on its "
      "own past state, e.g. h_t = tanh(W_xh x_t + W_hh h_{t-1} + b).", "model"),
    # --------------------------------------------------------------- §4.2
    R("4.2-chain-rule", "§4.2", "∂L/∂W = ∂L/∂a · ∂a/∂z · ∂z/∂W", "correct",
      "Right for one neuron with scalar quantities. For a layer the factors are matrices and their order and "
      "transposes matter: dL/dW = δ xᵀ with δ = (∂a/∂z)ᵀ ∂L/∂a; hidden layers need the recursion "
      "δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾).", "backprop_derivation"),
    R("4.2-bias", "§4.2", "∂L/∂b = ∂L/∂a · ∂a/∂z · ∂z/∂b", "correct",
      "With ∂z/∂b = I this gives dL/db = δ.", "backprop_derivation"),
    # --------------------------------------------------------------- §4.3
    R("4.3-feedback", "§4.3", "一个简单的反馈神经网络，用于图像分类", "wrong",
      "The network described (layers 100, 50, 10, no cycles) is feed-forward.", "case_study"),
    R("4.3-sizes", "§4.3", "输入层有100个神经元，隐藏层有50个神经元，输出层有10个神经元", "wrong",
      "The article's own networks disagree: the worked example of §4.4 has 5 hidden and 5 output values, and "
      "the listing of §5.2 builds another network (Dense(100) is a hidden layer on 100 inputs, so it is "
      "100-100-50-10). The text's 100-50-10 network has {text} parameters; the listing's has {listing}.",
      "case_study", printed="100-50-10",
      recompute=lambda: {
      "text": cs.dense_param_count([100, 50, 10]),
      "listing": cs.dense_param_count([100, 100, 50, 10])}),
    R("4.3-param-count", "§4.3", "100 / 50 / 10 (network of the text)", "correct",
      "The text's 100-50-10 network has {value} parameters (the article does not count them).", "model",
      recompute=lambda: cs.dense_param_count([100, 50, 10])),
    R("4.3-bracket", "§4.3", "-1/m Σ y log a + (1-y) log(1-a)", "wrong",
      "The bracket is missing: the minus sign, the 1/m and the sum cover only the first term. Binary "
      "cross-entropy is L = -(1/m) Σ [y log a + (1-y) log(1-a)].", "case_study"),
    R("4.3-index", "§4.3", "m 是样本数量 … a_i 是输出层的第i个神经元输出", "wrong",
      "The index i runs over m samples but a_i is called the i-th output neuron; the two must be separate "
      "indices (samples n, outputs k). For a 10-class softmax output the loss is the categorical "
      "cross-entropy -Σ_k y_k log a_k, not the binary one.", "case_study"),
    # --------------------------------------------------------------- §4.4
    R("4.4-data", "§4.4", "a⁽²⁾=[0.1,…,0.5], a⁽³⁾=[0.8,0.9,0.1,0.2,0.3], y=[1,0,1,0,1]", "correct",
      "Valid as assumed data for sigmoid outputs (each in (0, 1)); they are not softmax "
      "probabilities (the entries "
      "of a⁽³⁾ sum to {value}), so the binary cross-entropy of §4.3 is the loss to use.", "case_study",
      recompute=lambda: float(cs.A3.sum())),
    R("4.4-bracket", "§4.4", "[1·log(0.8) + 0·log(0.9) + …]", "wrong",
      "The bracket keeps only the y log a terms; the (1-y) log(1-a) terms of the article's own "
      "§4.3 formula are "
      "dropped (here they are log(1-0.9) and log(1-0.2)). The Σ over i also repeats a bracket "
      "that already holds "
      "all five terms.", "case_study"),
    R("4.4-sign", "§4.4", "= 0.2 log(0.8) + 0.2 log(0.1) + 0.2 log(0.3)", "wrong",
      "The minus sign is lost: -(1/5)(ln 0.8 + ln 0.1 + ln 0.3) = {value}, a positive number.", "case_study",
      printed="0.2 log(0.8) + …", recompute=cs.article_reading_loss),
    R("4.4-log-0.8", "§4.4", "log(0.8) → -0.22314", "correct",
      "ln 0.8 = {value}.", "case_study", printed="-0.22314", recompute=lambda: math.log(0.8)),
    R("4.4-log-0.1", "§4.4", "log(0.1) → -0.47712", "wrong",
      "ln 0.1 = {value} (log10 0.1 = -1); -0.47712 is log10(1/3).", "case_study",
      printed="-0.47712", recompute=lambda: math.log(0.1)),
    R("4.4-log-0.3", "§4.4", "log(0.3) → -0.40547", "wrong",
      "ln 0.3 = {value}; -0.40547 is ln(2/3).",
      "case_study", printed=
      "-0.40547", recompute=lambda: math.log(0.3)),
    R("4.4-term-1", "§4.4", "0.2·(-0.22314) = -0.04646", "wrong",
      "0.2 × (-0.22314) = {value}.", "case_study", printed="-0.04646",
      recompute=lambda: 0.2 * cs.PRINTED_LOGS[0]),
    R("4.4-term-2", "§4.4", "0.2·(-0.47712) = -0.09544", "wrong",
      "0.2 × (-0.47712) = {product}, which rounds to {rounded}, not -0.09544; and the term should be "
      "0.2 ln 0.1 = {value}.", "case_study", printed="-0.09544",
      recompute=lambda: {"product": 0.2 * cs.PRINTED_LOGS[1], "rounded": round(0.2 * cs.PRINTED_LOGS[1], 5),
                         "value": 0.2 * math.log(0.1)}),
    R("4.4-term-3", "§4.4", "0.2·(-0.40547) = -0.08109", "wrong",
      "The product is right for the printed factor, but the term should be 0.2 ln 0.3 = {value}.",
      "case_study",
      printed="-0.08109", recompute=lambda: 0.2 * math.log(0.3)),
    R("4.4-loss", "§4.4", "L = -0.22299", "wrong",
      "A cross-entropy is never negative. The printed terms do add up to -0.22299, but with "
      "natural logs and the "
      "sign kept the y = 1 terms give {reading}, and the full binary cross-entropy over all five "
      "outputs (mean) "
      "is {value}.", "case_study", printed="-0.22299",
      recompute=lambda: {"reading": cs.article_reading_loss(), "value": cs.full_bce()}),
    R("4.4-chain", "§4.4", "∂L/∂a⁽³⁾ = ∂L/∂a⁽²⁾ · ∂a⁽²⁾/∂z⁽²⁾", "wrong",
      "The right side is ∂L/∂z⁽²⁾ (δ⁽²⁾, an earlier layer), not ∂L/∂a⁽³⁾. The chain rule runs "
      "from the output "
      "back: δ⁽³⁾ = ∂L/∂z⁽³⁾, then δ⁽²⁾ = (W⁽³⁾ᵀ δ⁽³⁾) ⊙ σ'(z⁽²⁾).", "case_study"),
    R("4.4-dL-da2", "§4.4", "∂L/∂a⁽²⁾ = [-0.1, -0.2, -0.3, -0.4, -0.5]", "unsupported",
      "Given without derivation (it is just -a⁽²⁾). The true ∂L/∂a⁽²⁾ = W⁽³⁾ᵀ δ⁽³⁾ needs W⁽³⁾, which the "
      "article never gives.", "case_study", printed="[-0.1, …, -0.5]"),
    R("4.4-sigmoid-derivative", "§4.4", "∂a⁽²⁾/∂z⁽²⁾ = [0.1, 0.2, 0.3, 0.4, 0.5]", "wrong",
      "These are the activations a⁽²⁾ themselves. The sigmoid derivative is a(1-a) = {value}.", "case_study",
      printed="[0.1, …, 0.5]", recompute=cs.sigmoid_derivative),
    R("4.4-product", "§4.4", "= [-0.01, -0.02, -0.03, -0.04, -0.05]", "wrong",
      "Neither product of the two printed vectors: element-wise it is {value}, and the dot "
      "product is {dot}; the "
      "printed row is -0.1 times the second vector.", "case_study", printed="[-0.01, …, -0.05]",
      recompute=lambda: {
      "value": _printed_product_elementwise(),
      "dot": float(cs.PRINTED_DL_DA2 @ cs.PRINTED_DA2_DZ2)}),
    R("4.4-delta", "§4.4", "计算误差梯度 (the gradient the example computes)", "wrong",
      "The update needs the output error δ⁽³⁾ = ∂L/∂z⁽³⁾, which the example never computes. For "
      "sigmoid outputs with the mean binary cross-entropy it is (a⁽³⁾ - y)/5 = {value}.",
      "case_study", recompute=cs.output_delta),
    R("4.4-update-W", "§4.4", "W⁽³⁾ = W⁽³⁾ - α · ∂L/∂a⁽³⁾", "wrong",
      "W must move along ∂L/∂W⁽³⁾ = δ⁽³⁾ a⁽²⁾ᵀ, a matrix of W's shape (5 x 5 here), not along the vector "
      "∂L/∂a⁽³⁾. Its first row is {value}.", "case_study", recompute=lambda: cs.grad_W3()[0]),
    R("4.4-update-b", "§4.4", "b⁽³⁾ = b⁽³⁾ - α · ∂L/∂b⁽³⁾", "correct",
      "Right, with ∂L/∂b⁽³⁾ = δ⁽³⁾. One step with α = 1 lowers the full binary cross-entropy to {value}.",
      "case_study", recompute=lambda: cs.gradient_step()["loss_new"]),
    # --------------------------------------------------------------- §5
    R("5.1-env", "§5.1", "Python 3.7 / TensorFlow 2.0及以上版本", "unverifiable",
      "We do not run TensorFlow; the book reruns the listing with fbnn.", "listing"),
    R("5.2-input-layer", "§5.2", "input_layer = Dense(units=100, …)", "wrong",
      "A Dense layer is not an input layer: this is a hidden layer of 100 units on 100 input "
      "features, so the "
      "network is 100-100-50-10 with {value} parameters.", "listing", recompute=lambda: cs.dense_param_count(
          [100, 100, 50, 10])),
    R("5.2-labels", "§5.2", "y = np.random.randint(0, 10, size=(100, 10))", "wrong",
      "Each row holds ten random integers 0-9, not a class label: categorical_crossentropy needs "
      "one-hot (or probability) rows; class indices go with sparse_categorical_crossentropy. "
      "The rows of the book's seeded draw sum to {value} on average (expected 45).",
      "listing", recompute=lambda: float(_listing_data()[1].sum(axis=1).mean())),
    R("5.2-x", "§5.2", "x = np.random.rand(100, 100)", "correct",
      "100 examples of 100 features, uniform on [0, 1): valid inputs, but they carry no information about "
      "any label.", "listing"),
    R("5.2-fit", "§5.2", "model.fit(x, y, epochs=10, batch_size=10)", "correct",
      "A valid call: 10 epochs of 10 steps, {value} weight updates in all (with labels it accepts).",
      "listing", recompute=lambda: 10 * cs.keras_steps_per_epoch(100, 10)),
    R("5.2-evaluate-train", "§5.2", "model.evaluate(x, y)", "wrong",
      "It evaluates on the training data, which measures fit, not generalisation; a held-out set is needed.",
      "listing"),
    R("5.3-mlp", "§5.3", "使用tf.keras.layers.Dense创建多层感知机（MLP）模型", "correct",
      "Right, and a multilayer perceptron is a feed-forward network, not a feedback one.", "listing"),
    R("5.3-data", "§5.3", "生成随机数据用于训练和评估", "correct",
      "Right as a description; random inputs and labels carry no signal to learn.", "listing"),
    R("5.4-progress", "§5.4", "100/100 [====] - 1s 9ms/step", "wrong",
      "100 samples in batches of 10 make {value} steps per epoch: Keras (TF >= 2.2) prints "
      "{value}/{value} … ms/step; "
      "TF 2.0-2.1 counted samples (100/100) but then printed a time per sample. fit also prints "
      "one bar per epoch "
      "(10 here), not one.",
      "listing", printed=
      "100/100", recompute=lambda: cs.keras_steps_per_epoch(100, 10)),
    R("5.4-loss", "§5.4", "loss: 2.3026 / Loss: 2.3026", "wrong",
      "With these labels Keras's categorical cross-entropy scales with the row sums: for a "
      "uniform prediction it "
      "is {value} on the book's seeded data, and no prediction at all gets below {floor}. A "
      "uniform guess scores "
      "ln 10 = {ln10} only with proper labels (one-hot rows, or class indices with the sparse loss).",
      "listing", printed="2.3026",
      recompute=lambda: {"value": _keras_uniform_loss(), "floor": _keras_best_loss(), "ln10": math.log(10)}),
    R("5.4-timing", "§5.4", "1s 9ms/step", "unverifiable",
      "Timings depend on the machine. 1s fits the printed 100 steps of 9 ms, but not the run as "
      "written: its 10 steps at 9 ms take about {value} s, which Keras shows as 0s.", "listing", printed="1s",
      recompute=lambda: cs.keras_steps_per_epoch(100, 10) * 0.009),
    R("5.4-accuracy", "§5.4", "accuracy: 0.1000 / Accuracy: 0.1 / 准确率为10%", "unverifiable",
      "The data were not seeded, so the exact value cannot be reproduced. With this loss Keras's "
      "'accuracy' is categorical accuracy: argmax of the prediction = argmax of the label row. The "
      "argmax of ten random integers is the first of the largest, which favours low indices: always "
      "predicting class 0 scores {high} in expectation, class 9 only {low} (0.1 on average over the "
      "classes). Trained long enough, a network can memorise random training labels (Zhang et al. 2017).",
      "listing", printed="0.1",
      recompute=lambda: {"high": float(cs.first_argmax_probabilities()[0]),
                         "low": float(cs.first_argmax_probabilities()[-1])}),
    R("5.4-conclusion", "§5.4", "这表明我们需要进一步调整模型参数以提高性能", "wrong",
      "The labels are random, so no tuning can beat chance on new data; the fix is the data (real "
      "labels), not "
      "the parameters.", "listing"),
    # --------------------------------------------------------------- §6
    R("6.1-face", "§6.1", "在人脸识别中，反馈神经网络可以用于特征提取和分类", "unsupported",
      "No source; face recognition systems are built mainly on feed-forward convolutional networks.",
      "applications"),
    R("6.1-robust", "§6.1", "实现对各种人脸姿态和光照条件的鲁棒性", "unsupported",
      "Asserted without evidence; robustness comes from data and architecture, not from "
      "'adjusting parameters'.",
      "applications"),
    R("6.2-nlp", "§6.2", "可以用于文本分类、情感分析等任务", "correct",
      "Recurrent networks (notably LSTMs) have been used for both.", "applications"),
    R("6.2-semantics", "§6.2", "通过引入反馈机制，可以提高模型对复杂语义的理解能力", "unsupported",
      "No evidence; recurrence gives memory over a sequence, and today attention-based models "
      "lead these tasks.",
      "applications"),
    R("6.3-rl", "§6.3", "反馈神经网络可以用于策略学习", "correct",
      "Recurrent policies are used when the agent observes only part of the state.", "applications"),
    R("6.3-adapt", "§6.3", "实现对环境动态变化的适应", "unsupported",
      "Vague and without evidence.", "applications"),
    R("6.4-future", "§6.4", "自动驾驶、智能医疗、游戏AI等领域的突破性进展", "unverifiable",
      "A forecast, not a checkable claim.", "applications"),
    # --------------------------------------------------------------- §7
    R("7.1-goodfellow", "§7.1", "《深度学习》（Goodfellow, Bengio, Courville著）", "correct",
      "A standard textbook (MIT Press, 2016).", "tools"),
    R("7.1-qiu", "§7.1", "《神经网络与深度学习》（邱锡鹏著）", "correct",
      "A standard Chinese textbook (China Machine Press, 2020).", "tools"),
    R("7.2-tools", "§7.2", "TensorFlow / PyTorch", "correct",
      "Both are widely used deep-learning frameworks.", "tools"),
    R(
      "7.3-schmidhuber",
      "§7.3",
      "Schmidhuber, J. (1987). Dynamic Programming in Neural Networks. Neurocomputing, "
      "15(1)", "wrong",
      "No such paper: Neurocomputing began publishing in 1989, so a 1987 article in its volume 15 "
      "cannot exist. "
      "Schmidhuber's 1987 work is his diploma thesis on meta-learning.", "tools"),
    R("7.3-lecun", "§7.3", "LeCun, Y., Bengio, Y., & Hinton, G. (2015). Deep Learning.", "correct",
      "Real, but the venue is missing: Nature 521(7553), 436-444.", "tools"),
    # --------------------------------------------------------------- §8
    R(
      "8.1-summary",
      "§8.1",
      "通过案例分析，我们深入理解了反馈神经网络在图像识别、自然语言处理等领域的应用",
      "wrong",
      "The only case is a feed-forward toy example whose arithmetic is wrong; no application is analysed.",
      "summary"),
    R("8.2-trends", "§8.2", "未来，我们将看到更多创新的反馈神经网络架构和算法", "unverifiable",
      "A forecast.", "summary"),
    R("8.3-challenges", "§8.3", "计算复杂度高、参数调整难度大", "unsupported",
      "Repeated from §3.3 without evidence; the documented difficulty of training recurrent "
      "networks is vanishing "
      "and exploding gradients (Bengio et al. 1994; Pascanu et al. 2013).", "recurrent_bptt"),
    R("8.4-outlook", "§8.4", "关注算法的可解释性和安全性问题", "unverifiable",
      "A general research agenda, not a checkable claim.", "summary"),
    # --------------------------------------------------------------- §9
    R("9.1-definition", "§9.1", "通过神经网络内部的信息反馈来优化模型性能", "wrong",
      "Same definition as §1: feedback networks are defined by recurrent connections, not by optimisation.",
      "faq"),
    R("9.2-difference", "§9.2", "引入了反馈循环", "correct",
      "The difference is the feedback loop (cycles in the connection graph).", "faq"),
    R("9.2-generalisation", "§9.2", "能够处理更复杂的任务，并具备更好的泛化能力", "unsupported",
      "Asserted without evidence, as in §1.", "faq"),
    R("9.3-fields", "§9.3", "在图像识别、自然语言处理、强化学习等领域都有广泛应用", "unsupported",
      "Partly true for language and reinforcement learning; image recognition is dominated by feed-forward "
      "networks. No sources are given.", "faq"),
    R("9.4-optimise", "§9.4", "调整网络结构、优化训练算法、增加训练数据", "correct",
      "Generic but sound advice for any network.", "faq"),
    # --------------------------------------------------------------- references
    R("ref-schmidhuber", "references", "Schmidhuber, J. (1987). … Neurocomputing, 15(1), 49-60.", "wrong",
      "Same impossible citation as §7.3.", "tools"),
    R(
      "ref-goodfellow",
      "references",
      "Goodfellow, I., Bengio, Y., & Courville, A. (2016). Deep Learning. MIT Press.",
      "correct", "Correct as cited.", "tools"),
    R(
      "ref-bengio",
      "references",
      "Bengio, Y. (2009). … Foundations and Trends in Machine Learning, 2(1), 1-127.",
      "correct", "Correct as cited.", "tools"),
    R("ref-lecun", "references", "LeCun, Y., Bengio, Y., & Hinton, G. (2015). … Nature, 521(7553), 436-444.",
      "correct", "Correct as cited.", "tools"),
)
"""Every claim of the article, in the article's order."""

del R


def _check_unique() -> None:
    seen: set[str] = set()
    for r in RECORDS:
        if r.id in seen:
            raise RuntimeError(f"duplicate errata id {r.id!r}")
        seen.add(r.id)


_check_unique()


def get(record_id: str) -> Record:
    """The record with this id (``KeyError`` listing close ids otherwise)."""
    for r in RECORDS:
        if r.id == record_id:
            return r
    near = [r.id for r in RECORDS if record_id.split("-")[0] in r.id]
    raise KeyError(f"no errata record {record_id!r}; ids with the same prefix: {near}")


def by_chapter(stem: str) -> list[Record]:
    """Records treated in the chapter with file stem ``stem``."""
    return [r for r in RECORDS if r.chapter == stem]


def verdict_counts() -> dict[str, int]:
    """How many records have each verdict (every verdict listed, zero included)."""
    c = Counter(r.verdict for r in RECORDS)
    return {v: c.get(v, 0) for v in VERDICTS}


def _cell(text: str) -> str:
    # Pipes would end a table cell; line breaks would end the row.
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(records: tuple[Record, ...] | list[Record] | None = None, *, links: bool = True) -> str:
    """The errata as a MyST Markdown table: section, the article's words, verdict, correction and where
    the book treats it.

    Four columns, so that the table fits the page: the chapter is named at the end of the correction, as a
    ``{doc}`` link with ``links=True`` (for the book) or as the bare stem (for a terminal).
    """
    rows = RECORDS if records is None else records
    lines = ["| § | The article says | Verdict | What is right |", "|---|---|---|---|"]
    for r in rows:
        see = f"{{doc}}`{r.chapter.replace('_', ' ')} <{r.chapter}>`" if links else r.chapter
        said = r.quote if not r.printed or r.printed in r.quote else f"{r.quote} (printed: {r.printed})"
        right = f"{_cell(r.correction_text())} See {see}."
        lines.append(f"| {_cell(r.section)} | {_cell(said)} | **{r.verdict}** | {right} |")
    return "\n".join(lines) + "\n"
