"""The network of a "nas" trial: its architecture, read from the trial's configuration.

The ``nas`` family builds a network from the architecture search params of a configuration (the
architecture, the training, the backend); everything else in the configuration (feature
selection...) is not part of the network. A leaderboard row's ``params`` give it back.
"""

from __future__ import annotations

from typing import Any

from ..nn import Architecture, architecture_from_params, architecture_space

__all__ = ["NAS_FAMILY", "trial_architecture"]

NAS_FAMILY = "nas"
MSG_NOT_A_NETWORK = ("trial_architecture needs the configuration of a 'nas' trial (a network). "
                     "Got a configuration of the {family!r} family.")


def _architecture_names(backend: str) -> set[str]:
    # every task's names, and the convolution's (only an image's trials have them)
    return {p.name for classification in (True, False)
            for p in architecture_space(backend=backend, per_block=False, classification=classification,
                                        has_categorical=False, image=True)}


def trial_architecture(params: dict[str, Any]) -> Architecture:
    """The architecture a "nas" trial's configuration trains (as the family's estimator builds it).

    Parameters
    ----------
    params : dict
        A trial's configuration: a leaderboard row's ``params`` or an Optuna trial's params (the
        ``"nas."`` prefix of the names is optional; ``"family"``, if there, must be ``"nas"``).

    Returns
    -------
    Architecture
        Draw it with ``jupyter_automl.nn.architecture_svg`` or ``architecture_summary``.

    Raises
    ------
    ValueError
        The configuration is another family's.

    Examples
    --------
    >>> arch = trial_architecture({"nas.backend": "sklearn", "nas.n_blocks": 2,
    ...                            "nas.block_0.width": 64, "nas.block_1.width": 32,
    ...                            "nas.activation": "tanh", "selector": "none"})
    >>> [(b.width, b.activation) for b in arch.blocks]
    [(64, 'tanh'), (32, 'tanh')]
    >>> trial_architecture({"nas.numeric_encoding": "plain", "nas.conv_channels": 16}).inputs.conv_channels
    16
    """
    family = params.get("family", NAS_FAMILY)
    if family != NAS_FAMILY:
        raise ValueError(MSG_NOT_A_NETWORK.format(family=family))
    flat = {str(k).removeprefix(NAS_FAMILY + "."): v for k, v in params.items() if k != "family"}
    backend = flat.get("backend", "torch")
    names = _architecture_names(backend)
    return architecture_from_params({k: v for k, v in flat.items() if k in names}, backend=backend)
