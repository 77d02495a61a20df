"""The torch half of a tabular network: its modules, initialisation, batches and optimiser.

Self-contained (numpy-free even); torch is imported on first use, so importing this module does
not need it. Used by ``network.py`` and ``_supernet.py``.
"""

from __future__ import annotations

import contextlib
import math
import threading
from typing import Any

if __package__:  # inside the jupyter_automl package
    from ._encoding import INSTALL_LINE
else:  # copies next to an exported script, without the package
    from _encoding import INSTALL_LINE

MSG_NO_TORCH = ("This network needs PyTorch and safetensors, which are not installed. Install "
                f"them with: {INSTALL_LINE} (or: pip install torch safetensors).")


# -- torch, imported only when a network is built ----------------------------------------------------

def load_torch():
    try:
        import safetensors.torch  # noqa: F401
        import torch
    except ImportError as exc:
        raise ImportError(MSG_NO_TORCH) from exc
    return torch


_THREADS_LOCK = threading.Lock()
_THREADS = {"users": 0, "saved": None}


@contextlib.contextmanager
def torch_threads(n_threads: int | None):
    """Run torch ops on ``n_threads`` intra-op threads, then restore the previous setting.

    ``torch.set_num_threads`` is process-global: while several estimators train in threads of one
    process, the first one in sets the count for all, and the last one out restores it.
    """
    torch = load_torch()
    if n_threads is None:
        yield
        return
    with _THREADS_LOCK:
        if _THREADS["users"] == 0:
            _THREADS["saved"] = torch.get_num_threads()
            if _THREADS["saved"] != n_threads:
                torch.set_num_threads(int(n_threads))
        _THREADS["users"] += 1
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS["users"] -= 1
            if _THREADS["users"] == 0 and torch.get_num_threads() != _THREADS["saved"]:
                torch.set_num_threads(_THREADS["saved"])


_MODULES: dict[str, Any] = {}


def modules() -> dict[str, Any]:
    """The torch module classes, defined on first use (so that importing this file needs no torch)."""
    if not _MODULES:
        _MODULES.update(_define_modules(load_torch()))
    return _MODULES


def _define_modules(torch) -> dict[str, Any]:
    nn = torch.nn

    def activation(name: str):
        return {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "tanh": nn.Tanh,
                "leaky_relu": nn.LeakyReLU, "selu": nn.SELU, "mish": nn.Mish}[name]()

    def norm(name: str, width: int):
        return {"batch": lambda: nn.BatchNorm1d(width), "layer": lambda: nn.LayerNorm(width),
                "none": nn.Identity}[name]()

    class Dropout(nn.Module):
        """Dropout whose masks come from the estimator's own generator: torch's dropout draws from
        the process-global generator, which threads share, so a seed would not fix the model."""

        def __init__(self, p: float):
            super().__init__()
            self.p = float(p)
            self.generator = None

        def forward(self, x):
            if not self.training or self.p <= 0:
                return x
            keep = torch.rand(x.shape, generator=self.generator, device=x.device) >= self.p
            return x * keep / (1.0 - self.p)

    class Block(nn.Module):
        """Linear -> norm -> activation -> dropout, plus the input (projected) when residual."""

        def __init__(self, d_in: int, spec: dict[str, Any]):
            super().__init__()
            width = int(spec["width"])
            self.linear = nn.Linear(d_in, width)
            self.norm = norm(spec["norm"], width)
            self.act = activation(spec["activation"])
            self.dropout = Dropout(spec["dropout"])
            self.skip = None
            if spec["residual"]:
                self.skip = nn.Identity() if d_in == width else nn.Linear(d_in, width, bias=False)

        def forward(self, x):
            h = self.dropout(self.act(self.norm(self.linear(x))))
            return h if self.skip is None else h + self.skip(x)

    class ConvStage(nn.Module):
        """The pixels (the first numeric inputs) on their image, 3x3 convolutions with batch
        normalisation and ReLU, 2x2 max pooling while a side is at least 8, flattened."""

        def __init__(self, image: dict[str, Any], channels: int, n_layers: int):
            super().__init__()
            (self.rows, self.columns), cells = image["shape"], image["cells"]
            self.register_buffer("cells", torch.as_tensor(cells, dtype=torch.long), persistent=False)
            self.n_pixels = len(cells)
            layers, c_in = [], 1
            for _ in range(n_layers):
                layers += [nn.Conv2d(c_in, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU()]
                c_in = channels
            rows, columns = self.rows, self.columns
            while min(rows, columns) >= 8:
                layers.append(nn.MaxPool2d(2))
                rows, columns = rows // 2, columns // 2
            self.maps = nn.Sequential(*layers, nn.Flatten())
            self.width = channels * rows * columns

        def forward(self, pixels):
            canvas = pixels.new_zeros(pixels.shape[0], self.rows * self.columns)
            canvas[:, self.cells] = pixels  # cells without a column (constant, dropped) stay 0
            return self.maps(canvas.view(-1, 1, self.rows, self.columns))

    class InputStage(nn.Module):
        """Category embeddings, the periodic numeric embedding (if chosen) or the convolution
        stage (if the numbers are an image's pixels), concatenated."""

        def __init__(self, fitted: dict[str, Any], inputs: dict[str, Any]):
            super().__init__()
            self.embeddings = nn.ModuleList(nn.Embedding(c + 1, d) for c, d in
                                            zip(fitted["cat_cardinalities"], fitted["cat_dims"], strict=True))
            self.n_numeric = fitted["n_numeric"]
            image = fitted.get("image")
            self.conv = None if not image else ConvStage(image, int(inputs["conv_channels"]),
                                                         int(inputs["conv_layers"]))
            self.periodic = inputs["numeric"] == "periodic" and self.n_numeric > 0 and self.conv is None
            width = fitted["n_encoded"]
            if self.conv is not None:  # its maps replace the pixels
                width += self.conv.width - self.conv.n_pixels
            if self.periodic:
                k, d = int(inputs["n_frequencies"]), int(inputs["embedding_dim"])
                self.frequencies = nn.Parameter(torch.zeros(self.n_numeric, k))
                self.plr_weight = nn.Parameter(torch.zeros(self.n_numeric, 2 * k, d))
                self.plr_bias = nn.Parameter(torch.zeros(self.n_numeric, d))
                width += self.n_numeric * (d - 1)
            self.width = width + sum(fitted["cat_dims"])

        def forward(self, codes, nums):
            parts = [emb(codes[:, j]) for j, emb in enumerate(self.embeddings)]
            if self.conv is not None:
                parts += [self.conv(nums[:, :self.conv.n_pixels]), nums[:, self.conv.n_pixels:]]
            elif self.periodic:  # PLR: sin/cos of learned frequencies, a linear map per feature, ReLU
                v = 2 * math.pi * nums[:, :self.n_numeric, None] * self.frequencies
                v = torch.cat([torch.sin(v), torch.cos(v)], dim=-1)
                h = torch.relu(torch.einsum("bnf,nfd->bnd", v, self.plr_weight) + self.plr_bias)
                parts += [h.flatten(1), nums[:, self.n_numeric:]]
            else:
                parts.append(nums)
            return torch.cat(parts, dim=1)

    class TabularNet(nn.Module):
        """Input stage, blocks, and ``n_heads`` linear heads whose outputs the caller averages.

        With ``ensemble="tabm_mini"`` every head also has its own learned scaling of the trunk's
        input, so the trunk runs once per head (TabM-mini's multiplicative adapter): more
        diverse members for k times the trunk cost.
        """

        def __init__(self, fitted: dict[str, Any], arch: dict[str, Any], n_outputs: int):
            super().__init__()
            self.inputs = InputStage(fitted, arch["inputs"])
            self.k = int(arch["n_heads"])
            self.tabm = arch["ensemble"] == "tabm_mini" and self.k > 1
            if self.tabm:
                self.member_scale = nn.Parameter(torch.ones(self.k, self.inputs.width))
            blocks, width = [], self.inputs.width
            for spec in arch["blocks"]:
                blocks.append(Block(width, spec))
                width = int(spec["width"])
            self.blocks = nn.Sequential(*blocks)
            self.head_weight = nn.Parameter(torch.zeros(self.k, width, n_outputs))
            self.head_bias = nn.Parameter(torch.zeros(self.k, n_outputs))

        def forward(self, codes, nums):
            """Outputs of shape (rows, heads, outputs)."""
            x = self.inputs(codes, nums)
            if self.tabm:
                n = x.shape[0]
                h = self.blocks((x[:, None, :] * self.member_scale).reshape(n * self.k, -1))
                return torch.einsum("bkw,kwo->bko", h.reshape(n, self.k, -1), self.head_weight) + self.head_bias
            return torch.einsum("bw,kwo->bko", self.blocks(x), self.head_weight) + self.head_bias

    def initialise(net, generator, inputs: dict[str, Any]) -> None:
        """Draw every initial weight from ``generator`` (PyTorch's default schemes otherwise)."""
        init = nn.init
        with torch.no_grad():
            for m in net.modules():
                if isinstance(m, (nn.Linear, nn.Conv2d)):
                    init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
                    if m.bias is not None:
                        bound = 1 / math.sqrt(m.weight[0].numel())
                        init.uniform_(m.bias, -bound, bound, generator=generator)
                elif isinstance(m, nn.Embedding):
                    init.normal_(m.weight, generator=generator)
                elif isinstance(m, InputStage) and m.periodic:
                    init.normal_(m.frequencies, std=float(inputs["frequency_scale"]), generator=generator)
                    bound = 1 / math.sqrt(m.plr_weight.shape[1])
                    init.uniform_(m.plr_weight, -bound, bound, generator=generator)
                    init.uniform_(m.plr_bias, -bound, bound, generator=generator)
                elif isinstance(m, TabularNet):
                    bound = 1 / math.sqrt(m.head_weight.shape[1])
                    init.uniform_(m.head_weight, -bound, bound, generator=generator)
                    init.uniform_(m.head_bias, -bound, bound, generator=generator)
                    if m.tabm:  # random signs, as TabM initialises its first adapter
                        m.member_scale.copy_(torch.randint(0, 2, m.member_scale.shape,
                                                           generator=generator) * 2.0 - 1.0)

    return {"Dropout": Dropout, "Block": Block, "InputStage": InputStage, "ConvStage": ConvStage,
            "TabularNet": TabularNet, "initialise": initialise, "activation": activation}


def batches(torch, n: int, batch_size: int, generator) -> list:
    """Shuffled index batches; a last batch of one row joins the one before (batch norm cannot
    train on a single row)."""
    chunks = list(torch.randperm(n, generator=generator).split(max(2, min(int(batch_size), n))))
    if len(chunks) > 1 and len(chunks[-1]) == 1:
        chunks[-2:] = [torch.cat(chunks[-2:])]
    return chunks


def make_optimizer(torch, net, training: dict[str, Any]):
    """The optimiser; biases, norms and frequencies are not weight-decayed."""
    decay, rest = [], []
    for name, p in net.named_parameters():
        plain_weight = p.ndim >= 2 and not any(s in name for s in ("frequencies", "member_scale"))
        (decay if plain_weight else rest).append(p)
    groups = [{"params": decay, "weight_decay": float(training["weight_decay"])},
              {"params": rest, "weight_decay": 0.0}]
    lr, kind = float(training["lr"]), training["optimizer"]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True)
    return (torch.optim.AdamW if kind == "adamw" else torch.optim.Adam)(groups, lr=lr)


def is_out_of_memory(exc: BaseException) -> bool:
    text = str(exc).lower()
    return type(exc).__name__ == "OutOfMemoryError" or "out of memory" in text or "can't allocate memory" in text



