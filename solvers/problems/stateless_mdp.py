"""The stateless GAN MDP: a GAN written as an actor-critic problem.

Each episode has one step.  The environment flips a coin: with probability ``real_prob`` it
shows a real sample x ~ p_data and pays reward 1; otherwise it shows the actor's own action
x ~ q_θ and pays reward 0.  The actor is blind (it sees no state, so it cannot tell which
branch the coin chose and cannot influence the reward); the critic sees the shown x and
predicts the reward, Q(x) ≈ E[r | x].

Source: Pfau & Vinyals (2016), "Connecting Generative Adversarial Networks and Actor-Critic
Methods", Section 2.3 ("GANs as a kind of actor-critic").

Two versions share one :class:`Episodes` record:

- :class:`TabularStatelessMDP` — K atoms, the actor's policy a probability vector q (K,);
  episodes are atom indices;
- :class:`ContinuousStatelessMDP` — x in R^d, the data a sampler (a
  :class:`~solvers.problems.mixtures.GaussianMixture` or a function ``(n, rng) -> (n, d)``);
  the actions are given by the caller, so a caller controlling the random streams can build
  exactly the minibatches of a GAN (real samples first, then fake ones).

The episode distribution is the joint law of (is_real, x):

    P(real, x) = real_prob · p_data(x),     P(fake, x) = (1 - real_prob) · q(x),

available in closed form for the tabular version as :meth:`TabularStatelessMDP.episode_table`
(the problem's definition, used by tests to enumerate expectations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solvers.results import set_readonly
from solvers.validation import check_distribution
from theory.validation import as_float_array, as_generator, check_int, check_probability
from theory.validation import check_unit_interval

__all__ = ["Episodes", "TabularStatelessMDP", "ContinuousStatelessMDP"]


def _real_prob(real_prob: Any) -> float:
    return check_unit_interval(real_prob, "real_prob")


# ---------------------------------------------------------------------------- episodes
@dataclass(frozen=True, eq=False)
class Episodes:
    """A batch of one-step episodes of the stateless MDP.

    Source: Pfau & Vinyals (2016), Section 2.3 (reward 1 for a real sample, 0 for the actor's).

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        What the environment showed: atom indices (int, tabular) or points (float, continuous).
    reward : array_like, shape (n,)
        The reward of each episode (1.0 real, 0.0 fake).
    is_real : array_like of bool, shape (n,)
        Whether the episode showed a real sample.
    action : array_like, shape like ``x``, optional
        The blind actor's action in every episode, shown or not (the actor acts before the
        environment's coin decides what to show).  Recorded by
        :meth:`TabularStatelessMDP.sample_episodes`; needed by REINFORCE, whose real episodes
        pay reward 1 for an action nobody saw.  ``None`` when not recorded.

    Raises
    ------
    ValueError
        When the lengths disagree, ``reward`` is not finite, or ``x`` has more than 2 axes.
    TypeError
        When ``is_real`` is not boolean.

    Notes
    -----
    Arrays are stored read-only.  ``reward`` is not forced to equal ``is_real``: a caller may
    smooth the labels (Pfau & Vinyals, 2016, Section 3.1, "label smoothing").
    """

    x: np.ndarray
    reward: np.ndarray
    is_real: np.ndarray
    action: np.ndarray | None = None

    def __post_init__(self) -> None:
        x = np.asarray(self.x)
        if x.ndim not in (1, 2):
            raise ValueError(f"`x` must have shape (n,) or (n, d) (got shape {x.shape})")
        if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
            raise TypeError(f"`x` must be integer atoms or real points, got dtype {x.dtype}")
        reward = as_float_array(self.reward, "reward", allow_empty=True)
        is_real = np.asarray(self.is_real)
        if is_real.dtype != bool:
            raise TypeError(f"`is_real` must be a boolean array, got dtype {is_real.dtype}")
        n = x.shape[0]
        if reward.shape != (n,) or is_real.shape != (n,):
            raise ValueError(
                f"`reward` and `is_real` must have shape ({n},) like `x` "
                f"(got {reward.shape} and {is_real.shape})"
            )
        if self.action is not None:
            action = np.asarray(self.action)
            if action.shape != x.shape:
                raise ValueError(f"`action` must have the shape of `x`, {x.shape} (got {action.shape})")
            set_readonly(self, action=action)
        set_readonly(self, x=x, reward=reward, is_real=is_real)

    @property
    def n(self) -> int:
        """Number of episodes."""
        return int(self.x.shape[0])

    @property
    def n_real(self) -> int:
        """Number of episodes that showed a real sample."""
        return int(np.count_nonzero(self.is_real))

    @property
    def n_fake(self) -> int:
        """Number of episodes that showed the actor's action."""
        return self.n - self.n_real

    @property
    def real_x(self) -> np.ndarray:
        """The real samples shown, in episode order."""
        return self.x[self.is_real]

    @property
    def fake_x(self) -> np.ndarray:
        """The actor's actions shown, in episode order."""
        return self.x[~self.is_real]

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        out = {"x": self.x.tolist(), "reward": self.reward.tolist(), "is_real": self.is_real.tolist()}
        if self.action is not None:
            out["action"] = self.action.tolist()
        return out


# ---------------------------------------------------------------------------- tabular
@dataclass(frozen=True, eq=False)
class TabularStatelessMDP:
    """The stateless GAN MDP on K atoms.

    Each episode: with probability ``real_prob`` x ~ p_data and r = 1, else x ~ q (the blind
    actor's policy) and r = 0.

    Source: Pfau & Vinyals (2016), Section 2.3.

    Parameters
    ----------
    p_data : array_like, shape (K,)
        The data distribution (zero atoms allowed).
    real_prob : float in [0, 1], default 1/2
        Probability that an episode shows a real sample (1/2 is the balanced GAN).

    Raises
    ------
    ValueError, TypeError
        When ``p_data`` is not a 1-D probability vector or ``real_prob`` is not in [0, 1].
    """

    p_data: np.ndarray
    real_prob: float = 0.5

    def __post_init__(self) -> None:
        p = check_distribution(self.p_data, "p_data")
        set_readonly(self, np.float64, p_data=p)
        object.__setattr__(self, "real_prob", _real_prob(self.real_prob))

    @property
    def k(self) -> int:
        """Number of atoms K."""
        return int(self.p_data.shape[0])

    def check_policy(self, policy: Any, name: str = "policy") -> np.ndarray:
        """Validate a policy: a probability vector of shape (K,)."""
        q = check_probability(policy, name)
        if q.shape != (self.k,):
            raise ValueError(f"`{name}` must have shape ({self.k},) like `p_data` (got shape {q.shape})")
        return q

    def episode_table(self, policy: Any) -> np.ndarray:
        """The joint law of an episode, shape (2, K): row 0 = P(fake, x), row 1 = P(real, x).

        P(real, x) = real_prob · p_data(x),  P(fake, x) = (1 - real_prob) · q(x).
        The entries sum to 1; the reward is 1 exactly on row 1.
        """
        q = self.check_policy(policy)
        rho = self.real_prob
        return np.stack([(1.0 - rho) * q, rho * self.p_data])

    def sample_episodes(self, policy: Any, n: int, seed: Any) -> Episodes:
        """``n`` independent episodes, each real with probability ``real_prob``.

        Parameters
        ----------
        policy : array_like, shape (K,)
            The actor's distribution q.
        n : int, >= 0
        seed : int, SeedSequence or numpy.random.Generator

        Returns
        -------
        Episodes
            ``x`` int atom indices (n,); ``reward`` = ``is_real`` as float; ``action`` the
            actor's action in every episode (``x == action`` on the fake episodes).

        Notes
        -----
        With ``seed``: the n coin flips, then n real atoms, then n actions (one vectorized
        call each); the real atoms of fake episodes are drawn and discarded.
        """
        q = self.check_policy(policy)
        n = check_int(n, "n", minimum=0)
        rng = as_generator(seed)
        is_real = rng.random(n) < self.real_prob
        x_real = rng.choice(self.k, size=n, p=self.p_data)
        x_fake = rng.choice(self.k, size=n, p=q)
        x = np.where(is_real, x_real, x_fake)
        return Episodes(x, is_real.astype(np.float64), is_real, action=x_fake)

    def stratified_episodes(self, policy: Any, n_real: int, n_fake: int, seed: Any) -> Episodes:
        """Exactly ``n_real`` real episodes followed by ``n_fake`` fake ones.

        The real atoms are drawn first from ``seed``, then the fake ones (as a GAN minibatch:
        m data samples and m generator samples).

        Returns
        -------
        Episodes
            Real episodes first; ``x`` int atom indices (n_real + n_fake,).
        """
        q = self.check_policy(policy)
        n_real = check_int(n_real, "n_real", minimum=0)
        n_fake = check_int(n_fake, "n_fake", minimum=0)
        rng = as_generator(seed)
        x = np.concatenate([rng.choice(self.k, size=n_real, p=self.p_data),
                            rng.choice(self.k, size=n_fake, p=q)])
        is_real = np.arange(n_real + n_fake) < n_real
        return Episodes(x, is_real.astype(np.float64), is_real)

    def to_dict(self) -> dict:
        """JSON-ready description."""
        return {"p_data": self.p_data.tolist(), "real_prob": self.real_prob}


# ---------------------------------------------------------------------------- continuous
Sampler = Callable[[int, np.random.Generator], np.ndarray]


def _as_sampler(data: Any) -> Sampler:
    if hasattr(data, "sample") and callable(data.sample):
        return lambda n, rng: data.sample(n, rng)
    if callable(data):
        return data
    raise TypeError(
        "`data` must have a .sample(n, seed) method (e.g. GaussianMixture) or be callable as "
        f"f(n, rng) -> (n, d), got {type(data).__name__}"
    )


def _points(x: Any, name: str, n: int | None = None) -> np.ndarray:
    arr = as_float_array(x, name, allow_empty=True)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"`{name}` must have shape (n, d) (got shape {arr.shape})")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"`{name}` must have {n} rows (got shape {arr.shape})")
    return arr


@dataclass(frozen=True, eq=False)
class ContinuousStatelessMDP:
    """The stateless GAN MDP on R^d with a sampled data distribution.

    With probability ``real_prob`` the environment shows x ~ data (reward 1), otherwise the
    actor's action (reward 0).  The actions are supplied by the caller (a generator network,
    a pathwise actor x = μ + σ z, ...), so the same random streams reproduce a GAN exactly.

    Source: Pfau & Vinyals (2016), Section 2.3.

    Parameters
    ----------
    data : object with ``.sample(n, seed) -> (n, d)`` or callable ``(n, rng) -> (n, d)``
        The data distribution (e.g. :class:`~solvers.problems.mixtures.GaussianMixture`).
    real_prob : float in [0, 1], default 1/2

    Raises
    ------
    TypeError
        When ``data`` is neither a sampler object nor callable.
    ValueError
        When ``real_prob`` is not in [0, 1].
    """

    data: Any
    real_prob: float = 0.5
    _sampler: Sampler = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sampler", _as_sampler(self.data))
        object.__setattr__(self, "real_prob", _real_prob(self.real_prob))

    def sample_data(self, n: int, rng: Any) -> np.ndarray:
        """``n`` real samples, shape (n, d) (1-D samplers are reshaped to (n, 1))."""
        n = check_int(n, "n", minimum=0)
        rng = as_generator(rng, "rng")
        return _points(self._sampler(n, rng), "data sample", n)

    def episodes(self, actions: Any, real_x: Any) -> Episodes:
        """Pack given real samples and given actions into episodes (deterministic, no RNG).

        x = [real_x; actions] (real first), reward = [1, ..., 1, 0, ..., 0].

        Parameters
        ----------
        actions : array_like, shape (n_fake, d) (or (n_fake,) for d = 1)
            The actor's actions (generator samples).
        real_x : array_like, shape (n_real, d) (or (n_real,))
            Real samples.

        Returns
        -------
        Episodes
            ``x`` shape (n_real + n_fake, d), ``is_real`` True on the first n_real rows.

        Raises
        ------
        ValueError
            When the dimensions of the two blocks differ or an input is not finite.
        """
        fake = _points(actions, "actions")
        real = _points(real_x, "real_x")
        if fake.shape[1] != real.shape[1]:
            raise ValueError(
                f"`actions` and `real_x` must have the same dimension d (got {fake.shape[1]} "
                f"and {real.shape[1]})"
            )
        n_r, n_f = real.shape[0], fake.shape[0]
        is_real = np.arange(n_r + n_f) < n_r
        return Episodes(np.concatenate([real, fake]), is_real.astype(np.float64), is_real)

    def stratified_episodes(self, actions: Any, n_real: int, rng: Any) -> Episodes:
        """Draw ``n_real`` real samples from ``data`` with ``rng``, then :meth:`episodes`."""
        return self.episodes(actions, self.sample_data(n_real, rng))

    def sample_episodes(self, actions_sampler: Callable, n: int, rng: Any) -> Episodes:
        """``n`` episodes, each real with probability ``real_prob`` (Bernoulli mixing).

        With ``rng``: the n coin flips, then the real samples (one call to ``data``), then
        the actions (one call ``actions_sampler(n_fake, rng)``).  Episodes keep the order of
        the coin flips.

        Parameters
        ----------
        actions_sampler : callable ``(n, rng) -> (n, d)``
            Draws the actor's actions.
        n : int, >= 0
        rng : int, SeedSequence or numpy.random.Generator

        Returns
        -------
        Episodes
        """
        if not callable(actions_sampler):
            raise TypeError(
                f"`actions_sampler` must be callable as f(n, rng), got {type(actions_sampler).__name__}"
            )
        n = check_int(n, "n", minimum=0)
        rng = as_generator(rng, "rng")
        is_real = rng.random(n) < self.real_prob
        n_r = int(np.count_nonzero(is_real))
        real = self.sample_data(n_r, rng)
        fake = _points(actions_sampler(n - n_r, rng), "actions_sampler output", n - n_r)
        if n_r and n - n_r and fake.shape[1] != real.shape[1]:
            raise ValueError(
                f"`actions_sampler` returns dimension {fake.shape[1]} but the data has {real.shape[1]}"
            )
        d = real.shape[1] if n_r else fake.shape[1]
        x = np.empty((n, d))
        x[is_real] = real
        x[~is_real] = fake
        return Episodes(x, is_real.astype(np.float64), is_real)
