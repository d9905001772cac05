"""Pairs of categorical distributions on K atoms: the discrete toy problems of GAN theory.

A :class:`CategoricalPair` is a data distribution ``p_data`` and a model distribution
``p_model`` on the same K atoms, with a name.  The factories build random pairs (optionally
with zero atoms), the canonical edge cases (disjoint supports, shared zero atoms, one-hot
against uniform, two atoms), and :func:`named_pairs` collects the edge cases every closed form
and every solver must handle (DESIGN.md, Conventions: zero atoms are valid inputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.results import set_readonly
from solvers.validation import check_distribution_pair
from theory.validation import as_generator, check_int
from theory.validation import check_unit_interval

__all__ = [
    "CategoricalPair",
    "random_pair",
    "disjoint_pair",
    "zero_atom_pair",
    "uniform_vs_onehot",
    "two_atoms",
    "named_pairs",
]


@dataclass(frozen=True, eq=False)
class CategoricalPair:
    """A data and a model distribution on the same K atoms.

    Source: the discrete setting of Goodfellow et al. (2014), Proposition 1 (D* = p_data /
    (p_data + p_model) atom by atom) and Theorem 1 (value -log 4 + 2 JSD).

    Parameters
    ----------
    p_data : array_like, shape (K,)
        Probability vector of the data.
    p_model : array_like, shape (K,)
        Probability vector of the model (generator).
    name : str
        A short label used in test ids and reports.

    Raises
    ------
    ValueError
        When either vector is not a 1-D probability vector or their lengths differ.
    TypeError
        When ``name`` is not a string.

    Notes
    -----
    The arrays are stored read-only; pairs compare by identity.
    """

    p_data: np.ndarray
    p_model: np.ndarray
    name: str = "pair"

    def __post_init__(self) -> None:
        p, q = check_distribution_pair(self.p_data, self.p_model, ("p_data", "p_model"))
        if not isinstance(self.name, str):
            raise TypeError(f"`name` must be a string, got {type(self.name).__name__}")
        set_readonly(self, np.float64, p_data=p, p_model=q)

    @property
    def k(self) -> int:
        """Number of atoms K."""
        return int(self.p_data.shape[0])

    def support_masks(self) -> dict[str, np.ndarray]:
        """Boolean masks (K,) of the four support cases: ``both``, ``data_only``,
        ``model_only`` and ``neither``."""
        p_pos, q_pos = self.p_data > 0, self.p_model > 0
        return {
            "both": p_pos & q_pos,
            "data_only": p_pos & ~q_pos,
            "model_only": ~p_pos & q_pos,
            "neither": ~p_pos & ~q_pos,
        }

    def to_dict(self) -> dict:
        """JSON-ready description."""
        return {"name": self.name, "p_data": self.p_data.tolist(), "p_model": self.p_model.tolist()}

    def __iter__(self):
        """Unpack as ``p_data, p_model = pair``."""
        return iter((self.p_data, self.p_model))

    def __repr__(self) -> str:
        return f"CategoricalPair(name={self.name!r}, K={self.k})"


def _normalize(w: np.ndarray) -> np.ndarray:
    return w / w.sum(axis=-1, keepdims=True)


def random_pair(k: int, seed: Any, *, zero_atoms: bool = False) -> CategoricalPair:
    """Two independent Dirichlet(1, ..., 1) vectors on K atoms.

    With ``zero_atoms=True`` each distribution is additionally zeroed on a random subset of
    atoms (each atom with probability 1/3, always keeping at least one atom) and
    renormalized, so the four support cases of :meth:`CategoricalPair.support_masks` occur.

    Parameters
    ----------
    k : int, >= 1
    seed : int, SeedSequence or numpy.random.Generator
    zero_atoms : bool

    Returns
    -------
    CategoricalPair
    """
    k = check_int(k, "k", minimum=1)
    rng = as_generator(seed)
    w = rng.dirichlet(np.ones(k), size=2)  # (2, k)
    if zero_atoms:
        keep = rng.random((2, k)) >= 1.0 / 3.0
        # keep at least one atom per row: one atom drawn uniformly is always kept
        forced = rng.integers(0, k, size=2)
        keep[np.arange(2), forced] = True
        w = _normalize(np.where(keep, w, 0.0))
    name = f"random-k{k}" + ("-zeros" if zero_atoms else "")
    return CategoricalPair(w[0], w[1], name)


def disjoint_pair(k: int = 4) -> CategoricalPair:
    """p_data uniform on the first ⌈K/2⌉ atoms, p_model uniform on the remaining atoms.

    Disjoint supports: JSD = log 2, KL = inf, D* = 1 on p_data's support and 0 on p_model's
    (Arjovsky & Bottou, 2017, Theorem 2.1's setting).
    """
    k = check_int(k, "k", minimum=2)
    half = (k + 1) // 2
    idx = np.arange(k)
    p = np.where(idx < half, 1.0 / half, 0.0)
    q = np.where(idx >= half, 1.0 / (k - half), 0.0)
    return CategoricalPair(p, q, f"disjoint-k{k}")


def zero_atom_pair() -> CategoricalPair:
    """Overlapping supports with a shared zero atom (atom 3) and one zero atom on each side.

    p_data = (1/2, 1/4, 0, 0, 1/4), p_model = (1/4, 0, 1/2, 0, 1/4): atoms 0 and 4 are
    shared, atom 1 is data-only, atom 2 model-only, atom 3 in neither support.
    """
    return CategoricalPair(
        [0.5, 0.25, 0.0, 0.0, 0.25], [0.25, 0.0, 0.5, 0.0, 0.25], "zero-atoms"
    )


def uniform_vs_onehot(k: int = 4, *, atom: int = 0) -> CategoricalPair:
    """p_data uniform on K atoms, p_model a point mass on ``atom`` (mode collapse)."""
    k = check_int(k, "k", minimum=1)
    atom = check_int(atom, "atom", minimum=0)
    if atom >= k:
        raise ValueError(f"`atom` must be < k = {k} (got {atom})")
    q = np.zeros(k)
    q[atom] = 1.0
    return CategoricalPair(np.full(k, 1.0 / k), q, f"uniform-vs-onehot-k{k}")


def two_atoms(a: float, b: float) -> CategoricalPair:
    """Bernoulli pair: p_data = (a, 1 - a), p_model = (b, 1 - b), a, b in [0, 1]."""
    a = check_unit_interval(a, "a")
    b = check_unit_interval(b, "b")
    return CategoricalPair([a, 1.0 - a], [b, 1.0 - b], f"two-atoms-{a:g}-{b:g}")


def named_pairs() -> dict[str, CategoricalPair]:
    """The canonical edge cases, keyed by name.

    - ``disjoint``: disjoint supports (K = 4);
    - ``zero-atoms``: shared and one-sided zero atoms (:func:`zero_atom_pair`);
    - ``equal``: p_data = p_model, full support;
    - ``equal-with-zero``: p_data = p_model with a shared zero atom;
    - ``onehot-vs-uniform``: a point mass against the uniform distribution;
    - ``near-degenerate``: probabilities 1e-300 and 1 - 1e-12 next to ordinary ones;
    - ``bernoulli``: two atoms, (0.3, 0.7) against (0.6, 0.4).

    Returns
    -------
    dict[str, CategoricalPair]
        A fresh dict on each call.
    """
    pairs = [
        CategoricalPair(*disjoint_pair(4), "disjoint"),
        zero_atom_pair(),
        CategoricalPair([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], "equal"),
        CategoricalPair([0.5, 0.0, 0.5], [0.5, 0.0, 0.5], "equal-with-zero"),
        CategoricalPair(
            uniform_vs_onehot(4).p_model, uniform_vs_onehot(4).p_data, "onehot-vs-uniform"
        ),
        CategoricalPair([1e-300, 1.0 - 1e-12, 1e-12], [0.5, 1e-300, 0.5], "near-degenerate"),
        CategoricalPair(*two_atoms(0.3, 0.6), "bernoulli"),
    ]
    return {pair.name: pair for pair in pairs}
