"""One specification of the stabilizing strategies of Pfau & Vinyals (2016), Table 1.

The three stabilized GAN solvers (the categorical game with exact expectations,
:mod:`solvers.tabular.stabilizers`; the Dirac-GAN, :mod:`solvers.dynamics.stabilizers`; the
neural GAN, :mod:`solvers.neural.stabilizers`) take their options as a frozen dataclass.  The
options they share, their meaning and their validation live here, once:

- **label smoothing** — ``real_label`` a, ``fake_label`` b in [0, 1] (Salimans et al. 2016,
  Section 3.4);
- **freezing learning** — ``d_every``/``g_every`` >= 1 (update a player only on steps k, 2k,
  ...), ``d_loss_floor``/``g_loss_floor`` (skip a player's update while its loss is below the
  floor; Pfau & Vinyals 2016, Section 3.1);
- **historical averaging** — ``hist_avg`` λ >= 0, ``hist_decay`` β in (0, 1] or None
  (Salimans et al. 2016, Section 3.3);
- **minibatch discrimination** — ``minibatch`` (and the neural tensor's ``minibatch_kernels``,
  ``minibatch_dim`` >= 1; Salimans et al. 2016, Section 3.2);
- **batch normalization** — ``batchnorm`` (Ioffe & Szegedy 2015);
- **target network** — ``target_tau`` in (0, 1] or None, ``target_every`` >= 1 (Mnih et al.
  2015);
- **replay buffer** — ``replay_weight`` λ in [0, 1], ``replay_capacity`` >= 1 (or None where a
  solver defines None), ``replay_every`` >= 0;
- **entropy regularization** — ``entropy`` τ >= 0;
- **compatible features** — ``compatible`` (Silver et al. 2014, Theorem 3).

:class:`StabilizerSpec` declares the options every solver has and validates any of the
options above that a subclass declares, by one rule per name (:data:`RULES`).  Each solver's
class (``GANStabilizers``, ``DiracStabilizers``, ``NeuralStabilizers``) is a subclass that only
declares the options it implements and its defaults, so an option a solver does not implement
is still refused as an unknown keyword, and the classes keep their names, fields and defaults.
A field whose default is None accepts None.

Sources: Pfau & Vinyals (2016), "Connecting Generative Adversarial Networks and Actor-Critic
Methods", Table 1 and Section 3; Salimans et al. (2016), "Improved Techniques for Training
GANs", Sections 3.2-3.4; Ioffe & Szegedy (2015); Mnih et al. (2015); Silver et al. (2014).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from solvers.results import Config
from theory.validation import as_float_array, check_int, check_nonnegative, check_unit_interval
from theory.deprecation import module_getattr

__all__ = ["RULES", "StabilizerSpec"]


def _check_bool(value: Any, name: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"`{name}` must be a bool, got {type(value).__name__}")


def _check_floor(value: Any, name: str, spec: "StabilizerSpec") -> None:
    arr = as_float_array(value, name)
    if spec.scalar_floors and arr.ndim != 0:
        raise ValueError(f"`{name}` must be a scalar (got shape {arr.shape})")


#: One validation rule per option name: rule(value, name, spec) raises a named
#: TypeError/ValueError.  None is accepted before the rule runs when the field's default is None.
RULES: dict[str, Callable[[Any, str, "StabilizerSpec"], Any]] = {
    "real_label": lambda v, n, s: check_unit_interval(v, n),
    "fake_label": lambda v, n, s: check_unit_interval(v, n),
    "d_every": lambda v, n, s: check_int(v, n, minimum=1),
    "g_every": lambda v, n, s: check_int(v, n, minimum=1),
    "d_loss_floor": _check_floor,
    "g_loss_floor": _check_floor,
    "hist_avg": lambda v, n, s: check_nonnegative(v, n),
    "hist_decay": lambda v, n, s: check_unit_interval(v, n, open_left=True),
    "minibatch": lambda v, n, s: _check_bool(v, n),
    "minibatch_kernels": lambda v, n, s: check_int(v, n, minimum=1),
    "minibatch_dim": lambda v, n, s: check_int(v, n, minimum=1),
    "batchnorm": lambda v, n, s: _check_bool(v, n),
    "target_tau": lambda v, n, s: check_unit_interval(v, n, open_left=True),
    "target_every": lambda v, n, s: check_int(v, n, minimum=1),
    "replay_weight": lambda v, n, s: check_unit_interval(v, n, open_right=s.replay_weight_below_one),
    "replay_capacity": lambda v, n, s: check_int(v, n, minimum=1),
    "replay_every": lambda v, n, s: check_int(v, n, minimum=0),
    "entropy": lambda v, n, s: check_nonnegative(v, n),
    "compatible": lambda v, n, s: _check_bool(v, n),
}


@dataclass(frozen=True)
class StabilizerSpec(Config):
    """The options every stabilized GAN solver has (defaults: the plain GAN), validated once.

    Parameters
    ----------
    real_label, fake_label : float in [0, 1]
        Discriminator targets a and b (label smoothing).
    d_every, g_every : int >= 1
        Update the discriminator / generator only on steps k, 2k, ... (counting from 1).
    d_loss_floor : float, optional
        Skip the discriminator's update while its loss is below the floor.
    hist_avg : float >= 0
        λ of the historical-averaging penalty.
    target_tau : float in (0, 1], optional
        Polyak rate of the generator's copy of the discriminator; None = the live one.
    replay_weight : float in [0, 1]
        λ, the buffer's share of the discriminator's fake distribution (or minibatch).

    Subclasses add ``replay_capacity`` (its default differs per solver) and the options of
    :data:`RULES` they implement; the class attributes ``scalar_floors`` (loss floors must be
    scalars) and ``replay_weight_below_one`` (λ < 1) tighten two rules.

    Raises
    ------
    TypeError, ValueError
        A named error for the first option that breaks its rule.
    """

    scalar_floors: ClassVar[bool] = False
    replay_weight_below_one: ClassVar[bool] = False

    real_label: float = 1.0
    fake_label: float = 0.0
    d_every: int = 1
    g_every: int = 1
    d_loss_floor: float | None = None
    hist_avg: float = 0.0
    target_tau: float | None = None
    replay_weight: float = 0.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue
            RULES[f.name](value, f.name, self)

    @property
    def smoothing(self) -> bool:
        """Whether the labels differ from (1, 0)."""
        return self.real_label != 1.0 or self.fake_label != 0.0

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'StabiliserSpec': 'StabilizerSpec',
})
