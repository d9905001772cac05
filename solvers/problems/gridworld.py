"""Gridworld MDPs with slippery moves, stored sparsely, for maximum-causal-entropy IRL.

A :class:`GridWorld` has ``n_rows x n_cols`` cells (state ``s = row * n_cols + col``), four
moves (up, right, down, left) and optionally a fifth "stay" action.  The intended move is
carried out with probability ``1 - slip``; otherwise one of the other moves is carried out,
uniformly (``slip / (A - 1)`` each).  A move that would leave the grid leaves the agent where
it is (walls at the borders).

Transitions are stored sparsely: every (s, a) pair has ``K = A`` successor slots, one per
executed move, with arrays ``next_states[s, a, k]`` and ``probs[s, a, k]`` (duplicated
successors, e.g. two moves blocked by the same wall, simply add up).  Memory is linear in
S x A, so 128 x 128 grids (16,384 states) are cheap, while the dense tensor ``P[s, a, s']``
would take 10.7 GB.  :meth:`GridWorld.dense_transitions` / :meth:`GridWorld.to_finite_mdp`
produce the dense form for small grids, so that claims and tests can cross-check against
dense code (:class:`solvers.problems.rl_toys.FiniteMDP`).

Rewards are linear in state features, ``r(s) = features[s] @ w``, as in maximum entropy IRL
(Ziebart et al. 2008, Section "Maximum entropy IRL": r = theta . f).  Feature sets: one-hot
states (every reward representable), (row, col) coordinates scaled to [0, 1], or Gaussian
radial basis functions on a coarse grid of centres.

Source: the stochastic gridworlds of the IRL literature (Ng & Russell 2000, Section 5, a
5 x 5 grid whose moves fail with probability 0.3; Levine et al. 2011, "objectworld");
subsection numbers not confirmed.  The slip model here is ours and documented above.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from solvers.problems.rl_toys import sample_rows
from solvers.results import set_readonly
from theory.validation import as_float_array, as_generator, check_in, check_int, check_positive
from theory.validation import check_mu0, check_probability, check_unit_interval

__all__ = [
    "MOVES",
    "FEATURE_KINDS",
    "GridWorld",
    "SparseTransitions",
    "as_transitions",
    "gridworld",
    "state_features",
]

#: (d_row, d_col) of each action: 0 up, 1 right, 2 down, 3 left, 4 stay.
MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1], [0, 0]], dtype=np.int64)

FEATURE_KINDS = ("onehot", "coordinates", "rbf")

#: Dense transition tensors are refused above this many states (S x A x S floats: 4096 states
#: x 5 actions is already 0.67 GB).
DENSE_MAX_STATES = 4096


# ---------------------------------------------------------------------------- sparse operator
@dataclass(frozen=True, eq=False)
class SparseTransitions:
    """A transition model as a sparse matrix ``T[(s, a), s']`` of shape (S * A, S).

    Row ``s * A + a`` holds the distribution of the next state after action ``a`` in ``s``.
    ``T`` maps a state function to an (S, A) array of expectations (``(T @ V).reshape(S, A)``
    is E[V(s') | s, a]); ``T.T`` pushes a state-action measure forward to a state measure.
    Both are kept in CSR form, so each backup is one sparse matrix-vector product.

    Build it with :func:`as_transitions` from a :class:`GridWorld`, a dense (S, A, S) array, a
    ``FiniteMDP``, a pair ``(next_states, probs)`` of (S, A, K) arrays or a sparse matrix.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, shape (S * A, S)
    matrix_t : scipy.sparse.csr_matrix, shape (S, S * A)
        The transpose, stored separately in CSR form (fast forward passes).
    n_states, n_actions : int
    """

    matrix: sp.csr_matrix
    matrix_t: sp.csr_matrix
    n_states: int
    n_actions: int

    def expect(self, values: np.ndarray) -> np.ndarray:
        """E[values(s') | s, a] for a state function (S,) -> (S, A), or (S, K) -> (S, A, K)."""
        out = self.matrix @ values
        return out.reshape((self.n_states, self.n_actions) + values.shape[1:])

    def push(self, measure_sa: np.ndarray) -> np.ndarray:
        """Σ_{s,a} measure[s, a] P(s' | s, a) for a state-action measure (S, A) -> (S,)."""
        return self.matrix_t @ measure_sa.reshape(self.n_states * self.n_actions)

    @functools.cached_property
    def matrix_action_major(self) -> sp.csr_matrix:
        """The rows reordered action-major, ``(a, s)`` -> row ``a * S + s`` (built once).

        ``(matrix_action_major @ V).reshape(A, S)`` puts actions on the leading axis, where
        numpy's reductions over actions are elementwise operations between contiguous rows
        (about twice as fast as reducing a short trailing axis).
        """
        S, A = self.n_states, self.n_actions
        order = (np.arange(A)[:, None] + A * np.arange(S)[None, :]).ravel()
        return self.matrix[order].tocsr()

    def expect_action_major(self, values: np.ndarray) -> np.ndarray:
        """E[values(s') | s, a] as an (A, S) array (see :attr:`matrix_action_major`)."""
        return (self.matrix_action_major @ values).reshape(self.n_actions, self.n_states)

    def dense(self) -> np.ndarray:
        """The dense tensor P[s, a, s'] (small problems only)."""
        if self.n_states > DENSE_MAX_STATES:
            raise ValueError(f"dense transitions refused for {self.n_states} states "
                             f"(> {DENSE_MAX_STATES}); use the sparse operator")
        return self.matrix.toarray().reshape(self.n_states, self.n_actions, self.n_states)


def _from_successors(next_states: np.ndarray, probs: np.ndarray) -> SparseTransitions:
    s, a, k = next_states.shape
    rows = np.repeat(np.arange(s * a), k)
    m = sp.csr_matrix((probs.ravel(), (rows, next_states.ravel())), shape=(s * a, s))
    m.sum_duplicates()
    m.eliminate_zeros()
    return SparseTransitions(matrix=m, matrix_t=m.T.tocsr(), n_states=s, n_actions=a)


def as_transitions(transitions: Any) -> SparseTransitions:
    """Normalize a transition model to :class:`SparseTransitions`.

    Parameters
    ----------
    transitions : SparseTransitions, GridWorld, FiniteMDP, ndarray (S, A, S),
        tuple ``(next_states, probs)`` of (S, A, K) arrays, or a scipy sparse matrix of shape
        (S * A, S) with row ``s * A + a`` for (s, a) (A is inferred as rows / columns).

    Raises
    ------
    TypeError
        For anything else.
    ValueError
        For rows that are not probability vectors, successor indices out of range or shape
        mismatches.
    """
    if isinstance(transitions, SparseTransitions):
        return transitions
    if isinstance(transitions, GridWorld):
        return transitions.transitions
    from solvers.problems.rl_toys import FiniteMDP  # local: rl_toys does not import us

    if isinstance(transitions, FiniteMDP):
        transitions = transitions.P
    if isinstance(transitions, tuple):
        if len(transitions) != 2:
            raise ValueError("`transitions` as a tuple must be (next_states, probs)")
        nxt, probs = _check_successors(*transitions)
        return _from_successors(nxt, probs)
    if sp.issparse(transitions):
        m = sp.csr_matrix(transitions, dtype=np.float64)
        n_rows, n_states = m.shape
        if n_states == 0 or n_rows % n_states:
            raise ValueError(f"sparse `transitions` must have shape (S * A, S) (got {m.shape})")
        sums = np.asarray(m.sum(axis=1)).ravel()
        if (m.data < 0).any() or np.any(np.abs(sums - 1.0) > 1e-9) or not np.all(np.isfinite(m.data)):
            raise ValueError("`transitions` rows must be probability vectors")
        m.sum_duplicates()
        return SparseTransitions(matrix=m, matrix_t=m.T.tocsr(), n_states=n_states,
                                 n_actions=n_rows // n_states)
    if isinstance(transitions, (np.ndarray, list)):
        P = check_probability(transitions, "transitions")
        if P.ndim != 3 or P.shape[0] != P.shape[2]:
            raise ValueError(f"dense `transitions` must have shape (S, A, S) (got shape {P.shape})")
        s, a, _ = P.shape
        m = sp.csr_matrix(P.reshape(s * a, s))
        return SparseTransitions(matrix=m, matrix_t=m.T.tocsr(), n_states=s, n_actions=a)
    raise TypeError("`transitions` must be a GridWorld, FiniteMDP, SparseTransitions, a dense "
                    f"(S, A, S) array or a (next_states, probs) pair, got {type(transitions).__name__}")


def _check_successors(next_states: ArrayLike, probs: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    nxt = np.asarray(next_states)
    if not np.issubdtype(nxt.dtype, np.integer):
        raise TypeError(f"`next_states` must hold integers, got dtype {nxt.dtype}")
    if nxt.ndim != 3:
        raise ValueError(f"`next_states` must have shape (S, A, K) (got shape {nxt.shape})")
    p = check_probability(probs, "probs")
    if p.shape != nxt.shape:
        raise ValueError(f"`probs` must have the shape of `next_states` {nxt.shape} (got {p.shape})")
    s = nxt.shape[0]
    if nxt.size and (nxt.min() < 0 or nxt.max() >= s):
        raise ValueError(f"`next_states` must lie in [0, {s - 1}] (got range [{nxt.min()}, {nxt.max()}])")
    return nxt.astype(np.int64), p


# ---------------------------------------------------------------------------- features
def state_features(n_rows: int, n_cols: int, kind: str = "onehot", *, n_centres: int = 3,
                   width: float | None = None) -> np.ndarray:
    """State features of an ``n_rows x n_cols`` grid, shape (S, K).

    - ``"onehot"``: K = S, the identity (a reward weight per state);
    - ``"coordinates"``: K = 2, (row, col) scaled to [0, 1] (a constant direction is absent);
    - ``"rbf"``: K = n_centres², Gaussians exp(-|x - c|² / (2 width²)) in scaled coordinates
      around an evenly spaced ``n_centres x n_centres`` grid of centres c; ``width`` defaults
      to the spacing of the centres.

    Parameters
    ----------
    n_rows, n_cols : int >= 1
    kind : {"onehot", "coordinates", "rbf"}
    n_centres : int >= 1, keyword-only
    width : float > 0 or None, keyword-only

    Returns
    -------
    ndarray, shape (S, K)
    """
    n_rows = check_int(n_rows, "n_rows", minimum=1)
    n_cols = check_int(n_cols, "n_cols", minimum=1)
    kind = check_in(kind, "kind", FEATURE_KINDS)
    n_states = n_rows * n_cols
    if kind == "onehot":
        if n_states > DENSE_MAX_STATES:
            raise ValueError(f"`kind` = 'onehot' would build a dense {n_states} x {n_states} "
                             "feature matrix; use 'coordinates' or 'rbf' on grids this large")
        return np.eye(n_states)
    rows, cols = np.divmod(np.arange(n_states), n_cols)
    xy = np.stack([rows / max(n_rows - 1, 1), cols / max(n_cols - 1, 1)], axis=1)
    if kind == "coordinates":
        return xy
    n_centres = check_int(n_centres, "n_centres", minimum=1)
    grid = np.linspace(0.0, 1.0, n_centres) if n_centres > 1 else np.array([0.5])
    width = check_positive(width, "width") if width is not None else (
        1.0 / (n_centres - 1) if n_centres > 1 else 0.5)
    centres = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)
    d2 = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    # exp(-(d/w)²/2) rather than exp(-d²/(2w²)): w² underflows to 0 for w < 1e-162 (0/0 at
    # the centres) and overflows for w > 1e154; (d/w)² = inf far from a centre is the
    # right limit (feature 0), and d/w = 0 at a centre gives 1.
    with np.errstate(over="ignore", under="ignore"):
        z = np.sqrt(d2) / width
        return np.exp(-0.5 * (z * z))


#: Largest S·A·K of the (S, A, K) transition tables `gridworld` builds (~1.6 GB as int64 +
#: float64): beyond it the call is refused (named) before anything is allocated.
_MAX_TRANSITION_ENTRIES = 10**8


def _unit(n: int, i: int) -> np.ndarray:
    """The i-th unit vector of length n (not a row of an n x n identity)."""
    e = np.zeros(n)
    e[i] = 1.0
    return e


# ---------------------------------------------------------------------------- the gridworld
@dataclass(frozen=True, eq=False)
class GridWorld:
    """A slippery gridworld with sparse transitions, state features and an initial distribution.

    Build it with :func:`gridworld`.

    Attributes
    ----------
    n_rows, n_cols : int
    next_states : ndarray of int, shape (S, A, K)
        Successor of (s, a) in slot k (K = A: slot k is "move k was executed").
    probs : ndarray, shape (S, A, K)
        Probability of slot k; rows sum to 1.
    features : ndarray, shape (S, F)
        State features; a reward is ``features @ w``.
    mu0 : ndarray, shape (S,)
        Initial state distribution.
    slip : float
    name : str

    Notes
    -----
    Arrays are read-only; states are ``s = row * n_cols + col``.
    """

    n_rows: int
    n_cols: int
    next_states: np.ndarray
    probs: np.ndarray
    features: np.ndarray
    mu0: np.ndarray
    slip: float
    name: str = "gridworld"

    def __post_init__(self) -> None:
        nxt, probs = _check_successors(self.next_states, self.probs)
        s = nxt.shape[0]
        if s != self.n_rows * self.n_cols:
            raise ValueError(f"`next_states` must have n_rows * n_cols = {self.n_rows * self.n_cols} rows (got {s})")
        feats = as_float_array(self.features, "features")
        if feats.ndim != 2 or feats.shape[0] != s:
            raise ValueError(f"`features` must have shape ({s}, F) (got shape {feats.shape})")
        mu0 = check_mu0(self.mu0, s, batched=False)
        set_readonly(self, next_states=nxt, probs=probs, features=feats, mu0=mu0)

    @property
    def n_states(self) -> int:
        return int(self.next_states.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.next_states.shape[1])

    @property
    def n_successors(self) -> int:
        return int(self.next_states.shape[2])

    @property
    def n_features(self) -> int:
        return int(self.features.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_rows, self.n_cols)

    @property
    def coordinates(self) -> np.ndarray:
        """(row, col) of every state, shape (S, 2)."""
        return np.stack(np.divmod(np.arange(self.n_states), self.n_cols), axis=1)

    @functools.cached_property
    def transitions(self) -> SparseTransitions:
        """The sparse operator (built once, cached)."""
        return _from_successors(self.next_states, self.probs)

    def dense_transitions(self) -> np.ndarray:
        """P[s, a, s'] as a dense array (at most ``DENSE_MAX_STATES`` states)."""
        return self.transitions.dense()

    def reward(self, weights: ArrayLike) -> np.ndarray:
        """r(s) = features[s] @ weights, shape (S,)."""
        w = as_float_array(weights, "weights")
        if w.shape != (self.n_features,):
            raise ValueError(f"`weights` must have shape ({self.n_features},) (got shape {w.shape})")
        return self.features @ w

    def to_finite_mdp(self, reward: ArrayLike, gamma: float = 0.0, *, name: str | None = None):
        """The dense :class:`~solvers.problems.rl_toys.FiniteMDP` with R[s, a] = reward (state
        rewards (S,) are broadcast over actions); small grids only.

        ``FiniteMDP`` requires gamma in [0, 1); finite-horizon code ignores its gamma.
        """
        from solvers.problems.rl_toys import FiniteMDP

        r = as_float_array(reward, "reward")
        if r.shape == (self.n_states,):
            r = np.repeat(r[:, None], self.n_actions, axis=1)
        if r.shape != (self.n_states, self.n_actions):
            raise ValueError(f"`reward` must have shape ({self.n_states},) or "
                             f"({self.n_states}, {self.n_actions}) (got shape {r.shape})")
        return FiniteMDP(P=self.dense_transitions(), R=r, mu0=self.mu0, gamma=gamma,
                         name=name or self.name)

    def sample_trajectories(self, policy: ArrayLike, horizon: int, n: int, seed: Any
                            ) -> tuple[np.ndarray, np.ndarray]:
        """Roll out ``n`` trajectories of ``horizon`` steps, vectorized over trajectories.

        s_0 ~ mu0, a_t ~ policy_t(. | s_t), s_{t+1} ~ P(. | s_t, a_t), t = 0, ..., H - 1.

        Parameters
        ----------
        policy : array_like, shape (S, A) (stationary) or (H, S, A) (time-indexed)
        horizon : int >= 0
        n : int >= 0
        seed : int, SeedSequence or Generator

        Returns
        -------
        states : ndarray of int, shape (n, H + 1)
        actions : ndarray of int, shape (n, H)
        """
        horizon = check_int(horizon, "horizon", minimum=0)
        n = check_int(n, "n", minimum=0)
        pi = check_probability(policy, "policy")
        if pi.shape == (self.n_states, self.n_actions):
            pi = np.broadcast_to(pi, (horizon, self.n_states, self.n_actions))
        if pi.shape != (horizon, self.n_states, self.n_actions):
            raise ValueError(f"`policy` must have shape ({self.n_states}, {self.n_actions}) or "
                             f"({horizon}, {self.n_states}, {self.n_actions}) (got shape {pi.shape})")
        rng = as_generator(seed)
        states = np.empty((n, horizon + 1), dtype=np.int64)
        actions = np.empty((n, horizon), dtype=np.int64)
        states[:, 0] = sample_rows(np.broadcast_to(self.mu0, (n, self.n_states)), rng)
        for t in range(horizon):
            s = states[:, t]
            a = sample_rows(pi[t][s], rng)
            k = sample_rows(self.probs[s, a], rng)
            actions[:, t] = a
            states[:, t + 1] = self.next_states[s, a, k]
        return states, actions


def gridworld(
    n_rows: int,
    n_cols: int | None = None,
    *,
    n_actions: int = 5,
    slip: float = 0.1,
    features: str = "onehot",
    n_centres: int = 3,
    width: float | None = None,
    start: str | int = "uniform",
    name: str | None = None,
) -> GridWorld:
    """A slippery ``n_rows x n_cols`` gridworld (see the module docstring).

    P(s' | s, a) = (1 - slip) [s' = move(s, a)] + Σ_{b != a} slip / (A - 1) [s' = move(s, b)],
    where move(s, b) stays in s when it would leave the grid.

    Source: the slippery gridworlds of the IRL literature (Ng & Russell 2000, Section 5, a
    5 x 5 grid with a 30 % chance of a random move; subsection not confirmed); our slip spreads
    over the other moves.

    Parameters
    ----------
    n_rows : int >= 1
    n_cols : int >= 1, optional (default ``n_rows``)
    n_actions : {4, 5}, keyword-only
        Four moves, or four moves and "stay".
    slip : float in [0, 1], keyword-only
    features : {"onehot", "coordinates", "rbf"}, keyword-only
        See :func:`state_features`.
    n_centres, width : keyword-only
        RBF options (see :func:`state_features`).
    start : "uniform", "corner" or int, keyword-only
        ``mu0``: uniform over cells, the top-left cell, or the given state.
    name : str, optional

    Returns
    -------
    GridWorld

    Raises
    ------
    ValueError, TypeError
        Named errors for sizes, ``n_actions`` not in {4, 5}, ``slip`` outside [0, 1], an
        unknown ``features``/``start``.
    """
    n_rows = check_int(n_rows, "n_rows", minimum=1)
    n_cols = n_rows if n_cols is None else check_int(n_cols, "n_cols", minimum=1)
    n_actions = check_int(n_actions, "n_actions", minimum=1)
    if n_actions not in (4, 5):
        raise ValueError(f"`n_actions` must be 4 or 5 (got {n_actions})")
    slip = check_unit_interval(slip, "slip")
    features = check_in(features, "features", FEATURE_KINDS)  # named as gridworld's argument
    n_states = n_rows * n_cols
    if n_states * n_actions * n_actions > _MAX_TRANSITION_ENTRIES:
        raise ValueError(f"`n_rows` x `n_cols` = {n_rows} x {n_cols} states is too large: the "
                         f"transition tables would hold {n_states * n_actions**2} entries "
                         f"(at most {_MAX_TRANSITION_ENTRIES})")
    feats = state_features(n_rows, n_cols, features, n_centres=n_centres, width=width)
    if isinstance(start, str):
        start = check_in(start, "start", ("uniform", "corner"))
        mu0 = np.full(n_states, 1.0 / n_states) if start == "uniform" else _unit(n_states, 0)
    else:
        start = check_int(start, "start", minimum=0)
        if start >= n_states:
            raise ValueError(f"`start` must be a state in [0, {n_states - 1}] (got {start})")
        mu0 = _unit(n_states, start)

    rows, cols = np.divmod(np.arange(n_states), n_cols)
    moves = MOVES[:n_actions]
    r2 = np.clip(rows[:, None] + moves[None, :, 0], 0, n_rows - 1)
    c2 = np.clip(cols[:, None] + moves[None, :, 1], 0, n_cols - 1)
    landing = r2 * n_cols + c2                                      # (S, K): move k from s
    next_states = np.broadcast_to(landing[:, None, :], (n_states, n_actions, n_actions))
    other = slip / (n_actions - 1)
    mix = np.full((n_actions, n_actions), other)                    # (A, K)
    np.fill_diagonal(mix, 1.0 - slip)
    probs = np.broadcast_to(mix[None], (n_states, n_actions, n_actions))
    return GridWorld(n_rows=n_rows, n_cols=n_cols, next_states=next_states, probs=probs,
                     features=feats, mu0=mu0, slip=slip,
                     name=name or f"gridworld-{n_rows}x{n_cols}-{features}")
