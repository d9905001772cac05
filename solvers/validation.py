"""Argument checks shared by the tabular solvers (one home for each, built on ``theory.validation``).

The categorical GAN solvers (:mod:`solvers.tabular.gan`, :mod:`~solvers.tabular.gan_objectives`,
:mod:`~solvers.tabular.fgan_critics`, :mod:`~solvers.tabular.wgan_critics`,
:mod:`~solvers.tabular.stateless_actor_critic`) all take one or two distributions over K atoms,
logit/critic vectors of the same length, a convergence tolerance and an iteration budget, and
warn the same way when an iterative solve stops above its tolerance.  The checks live here once;
each raises a ``ValueError``/``TypeError`` naming the argument and what is wrong.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from theory.validation import (
    ConvergenceWarning,
    as_float_array,
    check_int,
    check_positive,
    check_probability_vector,
    check_same_length,
)

__all__ = [
    "check_distribution",
    "check_distribution_pair",
    "check_vector",
    "check_solve_budget",
    "check_generator_descent",
    "check_descent_ascent",
    "warn_unconverged",
]


def check_distribution(x: Any, name: str) -> np.ndarray:
    """One probability vector over K atoms, shape (K,).

    Parameters
    ----------
    x : array_like
        Non-negative, summing to 1 (as :func:`theory.validation.check_probability` accepts).
    name : str
        The argument's name, used in the error messages.

    Returns
    -------
    ndarray, shape (K,)

    Raises
    ------
    ValueError, TypeError
        Not a probability vector, or not 1-D.

    Examples
    --------
    >>> check_distribution([0.25, 0.75], "p_data")
    array([0.25, 0.75])
    >>> check_distribution([[0.5, 0.5]], "p_data")
    Traceback (most recent call last):
    ...
    ValueError: `p_data` must be 1-D, shape (K,) (got shape (1, 2))
    """
    return check_probability_vector(x, name)


def check_distribution_pair(p: Any, q: Any, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Two probability vectors over the same K atoms (:func:`check_distribution`, equal lengths).

    Parameters
    ----------
    p, q : array_like
    names : (str, str)
        Their argument names.

    Returns
    -------
    (ndarray, ndarray), each of shape (K,)

    Examples
    --------
    >>> check_distribution_pair([0.5, 0.5], [1.0], ("p", "q"))
    Traceback (most recent call last):
    ...
    ValueError: `p` and `q` must have the same length along axis -1 (got shapes (2,) and (1,))
    """
    pa = check_distribution(p, names[0])
    qa = check_distribution(q, names[1])
    check_same_length(pa, qa, names)
    return pa, qa


def check_vector(x: Any, name: str, k: int | None = None) -> np.ndarray:
    """A finite 1-D float vector (logits, critic values), of length ``k`` when it is given.

    Parameters
    ----------
    x : array_like
    name : str
    k : int, optional
        The required length (the number of atoms).

    Returns
    -------
    ndarray, shape (K,)

    Examples
    --------
    >>> check_vector([0.0, 1.0], "theta0", 3)
    Traceback (most recent call last):
    ...
    ValueError: `theta0` must have shape (3,) (got shape (2,))
    """
    arr = as_float_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D, shape (K,) (got shape {arr.shape})")
    if k is not None and arr.shape[0] != k:
        raise ValueError(f"`{name}` must have shape ({k},) (got shape {arr.shape})")
    return arr


def check_solve_budget(tol: Any, max_iter: Any) -> tuple[float, int]:
    """An iterative solve's stopping rule: ``tol`` > 0 and ``max_iter`` >= 1 (both named).

    Examples
    --------
    >>> check_solve_budget(1e-10, 200)
    (1e-10, 200)
    """
    return check_positive(tol, "tol"), check_int(max_iter, "max_iter", minimum=1)


def check_generator_descent(
    p_data: Any, theta0: Any, lr: Any, n_steps: Any
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """The arguments every categorical generator-descent learner takes, checked once.

    Parameters
    ----------
    p_data : array_like, shape (K,)
        The data distribution (:func:`check_distribution`).
    theta0 : array_like, shape (K,)
        The generator's initial logits (:func:`check_vector` of length K).
    lr : float > 0
    n_steps : int >= 0

    Returns
    -------
    p : ndarray, shape (K,)
    theta : ndarray, shape (K,)
        A fresh copy of ``theta0`` (the learner may update it in place).
    lr : float
    n_steps : int

    Examples
    --------
    >>> p, theta, lr, n = check_generator_descent([0.5, 0.5], [0.0, 1.0], 0.1, 3)
    >>> theta, lr, n
    (array([0., 1.]), 0.1, 3)
    """
    p = check_distribution(p_data, "p_data")
    theta = check_vector(theta0, "theta0", p.shape[0]).copy()
    lr = check_positive(lr, "lr")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    return p, theta, lr, n_steps


def check_descent_ascent(
    p_data: Any, theta0: Any, psi0: Any, lr_g: Any, lr_d: Any, n_steps: Any, *, psi_name: str = "psi0"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float, int]:
    """The arguments of a categorical gradient descent-ascent run on (θ, ψ), checked once.

    As :func:`check_generator_descent`, with the second player's initial vector ``psi0``
    (length K, a fresh copy; named ``psi_name`` in errors) and one step size per player.

    Returns
    -------
    p, theta, psi : ndarray, shape (K,)
    lr_g, lr_d : float
    n_steps : int

    Examples
    --------
    >>> p, theta, psi, lr_g, lr_d, n = check_descent_ascent([1.0], [0.0], [2.0], 0.1, 0.2, 5)
    >>> psi, lr_g, lr_d, n
    (array([2.]), 0.1, 0.2, 5)
    """
    p = check_distribution(p_data, "p_data")
    k = p.shape[0]
    theta = check_vector(theta0, "theta0", k).copy()
    psi = check_vector(psi0, psi_name, k).copy()
    lr_g = check_positive(lr_g, "lr_g")
    lr_d = check_positive(lr_d, "lr_d")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    return p, theta, psi, lr_g, lr_d, n_steps


def warn_unconverged(what: str, tol: float, worst: float, stacklevel: int = 3) -> None:
    """Warn (:class:`~theory.validation.ConvergenceWarning`) that ``what`` stopped above ``tol``.

    Parameters
    ----------
    what : str
        The solve, as the message names it (e.g. "the LSGAN discriminator minimization").
    tol : float
    worst : float
        The largest residual left.
    stacklevel : int
        Passed to :func:`warnings.warn`; the default 3 points at the caller of the public
        routine that calls this function.
    """
    warnings.warn(
        f"{what} stopped above tol={tol:g} (worst residual {worst:.3g}); increase `max_iter`",
        ConvergenceWarning,
        stacklevel=stacklevel + 1,
    )
