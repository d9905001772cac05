"""Local stability of GAN training: the Dirac-GAN's Jacobians and the linearized GD updates.

Papers
------
Mescheder, L., Geiger, A. & Nowozin, S. (2018). Which Training Methods for GANs do actually
    Converge? ICML.  Section 2 (the training objective, simultaneous and alternating gradient
    descent, the Dirac-GAN), Section 3 (WGAN, WGAN-GP, instance noise, zero-centred gradient
    penalties, consensus optimization).
Mescheder, L., Nowozin, S. & Geiger, A. (2017). The Numerics of GANs. NeurIPS.  The
    linearized update operators of simultaneous gradient descent and consensus optimization.
Pfau, D. & Vinyals, O. (2016). Connecting Generative Adversarial Networks and Actor-Critic
    Methods.  Eqs. (1)-(2): the bilevel view, two players with their own step sizes.

The Dirac-GAN (Mescheder et al. 2018, Section 2): the data distribution is a point mass at 0,
the generator a point mass at θ, the discriminator linear, D_ψ(x) = ψ·x, and

    L(θ, ψ) = f(D_ψ(θ)) + f(-D_ψ(0)) = f(ψθ) + f(0),

which the discriminator maximizes and the generator minimizes; f(t) = -log(1 + e^{-t}) for the
GAN (and the non-saturating GAN, whose generator maximizes f(-ψθ) instead), f(t) = t for the
WGAN.  The gradient vector field is v(θ, ψ) = (-∂L/∂θ, ∂L/∂ψ); its unique equilibrium is
θ = ψ = 0.  Rows and columns of every Jacobian here are ordered (θ, ψ): generator first.

With a = f'(0) and b = f''(0) the Jacobians at the equilibrium are (derived with sympy in
``proofs_check.mescheder2018``):

=================  =====================================  ======================================
regularizer        Jacobian v'(0, 0)                      eigenvalues
=================  =====================================  ======================================
none               [[0, -a], [a, 0]]                      ± i a
r1, r2             [[0, -a], [a, -γ]]                     -γ/2 ± √(γ²/4 - a²)
instance-noise     [[0, -a], [a, 2 b σ²]]                 b σ² ± √(b² σ⁴ - a²)
consensus          [[-γ a², -a], [a, -γ a²]]              -γ a² ± i a
wgan-gp            (not differentiable at ψ = 0)          see :func:`wgan_gp_branches`
=================  =====================================  ======================================

A gradient-descent scheme is a map x ↦ F(x) whose Jacobian at the equilibrium is a product of
the matrices I + h P J (P selects one player's coordinates); the iteration converges locally
at a linear rate when the spectral radius of that product is below 1 and does not converge
when it exceeds 1 (Mescheder et al. 2018, Section 2; Appendix A).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import numpy as np
from numpy.typing import ArrayLike

from theory.validation import as_float_array, check_in, check_int, check_nonnegative
from theory.validation import check_positive, check_probability_vector
from theory.deprecation import renamed_keywords

__all__ = [
    "LOSSES",
    "REGULARIZERS",
    "SCHEMES",
    "f_derivatives",
    "dirac_gan_jacobian",
    "dirac_gan_eigenvalues",
    "WGANGPBranches",
    "wgan_gp_branches",
    "gd_update_matrix",
    "gd_spectral_radius",
    "max_stable_step",
    "dirac_gan_simgd_radius",
    "dirac_gan_altgd_eigenvalues",
    "categorical_gan_jacobian",
]

#: The objectives of the Dirac-GAN: f(t) = -log(1 + e^{-t}) ("gan", "nsgan") or f(t) = t ("wgan").
LOSSES = ("gan", "nsgan", "wgan")
#: The regularizers of Mescheder et al. (2018), Section 3.
REGULARIZERS = ("none", "r1", "r2", "instance-noise", "consensus", "wgan-gp")
#: Simultaneous and alternating gradient descent (Mescheder et al. 2018, Section 2).
SCHEMES = ("simultaneous", "alternating")

# Which keyword each regularizer reads; any other non-zero keyword is an error, not ignored.
_USES = {
    "none": (),
    "r1": ("penalty_weight",),
    "r2": ("penalty_weight",),
    "instance-noise": ("sigma",),
    "consensus": ("penalty_weight",),
    "wgan-gp": ("penalty_weight", "target"),
}


def f_derivatives(loss: str = "gan") -> tuple[float, float]:
    """The derivatives f'(0) and f''(0) of the Dirac-GAN's objective function f.

    f(t) = -log(1 + e^{-t}):  f'(t) = 1/(1 + e^t), f''(t) = -e^t/(1 + e^t)², so f'(0) = 1/2 and
    f''(0) = -1/4 (``"gan"`` and ``"nsgan"``);  f(t) = t:  f'(0) = 1, f''(0) = 0 (``"wgan"``).

    Source: Mescheder et al. (2018), Section 2 (the two choices of f in the training
    objective L(θ, ψ)).

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}

    Returns
    -------
    (f1, f2) : tuple of float
        f'(0) and f''(0).

    Raises
    ------
    ValueError
        For an unknown ``loss``.

    Examples
    --------
    >>> f_derivatives("gan")
    (0.5, -0.25)
    >>> f_derivatives("wgan")
    (1.0, 0.0)
    """
    loss = check_in(loss, "loss", LOSSES)
    return (1.0, 0.0) if loss == "wgan" else (0.5, -0.25)


def _check_regularizer(regularizer: str, **params: float) -> dict[str, float]:
    regularizer = check_in(regularizer, "regularizer", REGULARIZERS)
    out = {}
    for name, value in params.items():
        value = check_nonnegative(value, name)
        # `target` has a non-zero default (g0 = 1) and is only read by "wgan-gp".
        if name != "target" and name not in _USES[regularizer] and value != 0:
            raise ValueError(
                f"`{name}` is not used by regularizer {regularizer!r} (got {name}={value!r}); "
                f"{regularizer!r} reads {', '.join(_USES[regularizer]) or 'no parameter'}"
            )
        out[name] = value
    return out


@renamed_keywords(gamma="penalty_weight")
def dirac_gan_jacobian(
    loss: str = "gan",
    regularizer: str = "none",
    *,
    penalty_weight: float = 0.0,
    sigma: float = 0.0,
    target: float = 1.0,
) -> np.ndarray:
    """Jacobian of the Dirac-GAN's gradient vector field at its equilibrium θ = ψ = 0.

    v(θ, ψ) = (-∂L/∂θ, ∂L/∂ψ) with L = f(ψθ) + f(0); with a = f'(0), b = f''(0):

    - none:            [[0, -a], [a, 0]]
    - r1, r2:          [[0, -a], [a, -γ]]     (penalty (γ/2)|∇ₓD|² = (γ/2)ψ² on data / samples)
    - instance-noise:  [[0, -a], [a, 2bσ²]]   (Gaussian noise of std σ on real and fake points)
    - consensus:       [[-γa², -a], [a, -γa²]]  (w = v - γ∇(|v|²/2), so w' = v' - γ v'ᵀv')

    The non-saturating generator loss changes v away from the equilibrium but not v'(0, 0).

    Source: Mescheder et al. (2018), Section 2 (the Dirac-GAN and the Jacobian of its
    unregularized field, eigenvalues ±f'(0)i), Section 3 (instance noise, zero-centred gradient
    penalties, consensus optimization); entries re-derived with sympy in
    ``proofs_check.mescheder2018``.

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}
    regularizer : {"none", "r1", "r2", "instance-noise", "consensus", "wgan-gp"}
    penalty_weight : float >= 0, keyword-only
        Penalty weight (r1, r2, consensus, wgan-gp).
    sigma : float >= 0, keyword-only
        Instance-noise standard deviation.
    target : float >= 0, keyword-only
        WGAN-GP's gradient-norm target g₀ (1 in Gulrajani et al. 2017).

    Returns
    -------
    ndarray, shape (2, 2)
        Rows/columns ordered (θ, ψ).

    Raises
    ------
    ValueError
        Unknown ``loss``/``regularizer``, negative parameters, a non-zero parameter the
        regularizer does not use, or ``"wgan-gp"`` with γ·g₀ > 0: its penalty
        (γ/2)(|ψ| - g₀)² has a kink at ψ = 0, v_ψ jumps by 2γg₀ across ψ = 0 and the Jacobian
        at the equilibrium does not exist (use :func:`wgan_gp_branches`).

    Examples
    --------
    >>> dirac_gan_jacobian("gan")
    array([[ 0. , -0.5],
           [ 0.5,  0. ]])
    >>> dirac_gan_jacobian("wgan", "r1", penalty_weight=1.0)
    array([[ 0., -1.],
           [ 1., -1.]])
    """
    params = _check_regularizer(regularizer, penalty_weight=penalty_weight, sigma=sigma, target=target)
    a, b = f_derivatives(loss)
    g, s, g0 = params["penalty_weight"], params["sigma"], params["target"]
    jac = np.array([[0.0, -a], [a, 0.0]])
    if regularizer in ("r1", "r2"):
        jac[1, 1] = -g
    elif regularizer == "instance-noise":
        jac[1, 1] = 2.0 * b * s**2
    elif regularizer == "consensus":
        jac = jac - g * (jac.T @ jac)
    elif regularizer == "wgan-gp" and g * g0 > 0:
        raise ValueError(
            "the WGAN-GP field is not differentiable at the equilibrium: the penalty "
            f"(penalty_weight/2)(|psi| - target)^2 makes v_psi jump by 2*penalty_weight*target = {2 * g * g0:g} "
            "across psi = 0 (use wgan_gp_branches for the smooth branches)"
        )
    return jac


def _conjugate_pair_roots(centre: float, prod: float) -> np.ndarray:
    """Roots [λ₊, λ₋] = centre ± √(centre² - prod) of λ² - 2 centre λ + prod = 0 (prod >= 0),
    without squaring centre (which overflows for |centre| > 1e154) and without cancellation:
    for real roots the larger in modulus is centre + sign(centre)·√(...) and the other is
    prod / that (Vieta); complex roots are centre ± i √((√prod - |c|)(√prod + |c|)).  A
    root beyond the double range is ±inf, its correctly rounded value."""
    c = float(centre)
    s = float(np.sqrt(prod))
    ac = abs(c)
    if ac > s:
        # √(c² - s²) = |c| √((1 - s/|c|)(1 + s/|c|)); s/|c| < 1, no overflow.
        t = s / ac
        root = ac * float(np.sqrt((1.0 - t) * (1.0 + t)))
        big = c + np.copysign(root, c) if c != 0 else root
        with np.errstate(divide="ignore", over="ignore", under="ignore"):
            small = float(np.float64(prod) / big)   # big = ±inf gives ∓0, the rounded value
        plus, minus = (big, small) if c > 0 else (small, big)
        return np.array([plus, minus], dtype=complex)
    im = float(np.sqrt((s - ac) * (s + ac)))
    return np.array([complex(c, im), complex(c, -im if im else 0.0)], dtype=complex)


@renamed_keywords(gamma="penalty_weight")
def dirac_gan_eigenvalues(
    loss: str = "gan",
    regularizer: str = "none",
    *,
    penalty_weight: float = 0.0,
    sigma: float = 0.0,
    target: float = 1.0,
) -> np.ndarray:
    r"""Closed-form eigenvalues of the Dirac-GAN Jacobian at the equilibrium.

    .. math::

       \text{none: } \pm i a, \qquad
       \text{R1/R2: } -\frac{\gamma}{2} \pm \sqrt{\frac{\gamma^2}{4} - a^2}, \qquad
       \text{instance noise: } b\sigma^2 \pm \sqrt{b^2\sigma^4 - a^2}, \qquad
       \text{consensus: } -\gamma a^2 \pm i a,

    with :math:`a = f'(0)`, :math:`b = f''(0)` (the square root of a negative number is
    imaginary).

    Source: Mescheder et al. (2018), Section 2 (±f'(0)i for the unregularized Dirac-GAN),
    Section 3 (f''(0)σ² ± √(f''(0)²σ⁴ - f'(0)²) for instance noise, -γ/2 ± √(γ²/4 - f'(0)²) for
    the zero-centred gradient penalty); the consensus pair follows from w' = v' - γ v'ᵀv'
    (Mescheder et al. 2017, Section 4) and is derived in ``proofs_check.mescheder2018``.

    Parameters
    ----------
    loss, regularizer, penalty_weight, sigma, target
        As in :func:`dirac_gan_jacobian`.

    Returns
    -------
    ndarray of complex, shape (2,)
        ``[λ₊, λ₋]``, the branch with ``+√`` (or ``+i``) first.

    Raises
    ------
    ValueError
        As :func:`dirac_gan_jacobian` (including ``"wgan-gp"`` with γ·g₀ > 0).

    Examples
    --------
    >>> dirac_gan_eigenvalues("gan")
    array([0.+0.5j, 0.-0.5j])
    >>> dirac_gan_eigenvalues("wgan", "r1", penalty_weight=2.0)  # critical damping: a double root
    array([-1.+0.j, -1.+0.j])
    """
    params = _check_regularizer(regularizer, penalty_weight=penalty_weight, sigma=sigma, target=target)
    a, b = f_derivatives(loss)
    g, s, g0 = params["penalty_weight"], params["sigma"], params["target"]
    # Each case is λ² - 2 centre λ + a² = 0 (trace 2 centre, determinant a²); the roots are
    # formed by _conjugate_pair_roots, which never squares centre (γ = 1e155 would overflow).
    with np.errstate(over="ignore"):  # b σ² beyond the double range: ±inf, correctly rounded
        if regularizer in ("none",) or (regularizer == "wgan-gp" and g * g0 == 0):
            centre = 0.0
        elif regularizer in ("r1", "r2"):
            centre = -g / 2.0
        elif regularizer == "instance-noise":
            centre = float(np.float64(b) * s * s)
            if not np.isfinite(centre) and b != 0:
                # 2 b σ² overflows, the small root a²/(2bσ²)(1 + O(a²/(bσ²)²)) does not.
                small = float(np.float64(a * a / (2.0 * b)) / s / s)
                big = complex(centre, 0.0)
                return np.array([small, big] if b < 0 else [big, small], dtype=complex)
        elif regularizer == "consensus":
            return np.array([complex(-g * a * a, abs(a)), complex(-g * a * a, -abs(a))],
                            dtype=complex)
        else:
            dirac_gan_jacobian(loss, regularizer, penalty_weight=g, sigma=s, target=g0)  # raises
            raise AssertionError("unreachable")  # pragma: no cover
    return _conjugate_pair_roots(centre, a * a)


@dataclass(frozen=True)
class WGANGPBranches:
    """The WGAN-GP Dirac-GAN field on either side of its kink ψ = 0.

    Source: Mescheder et al. (2018), Section 3 (WGAN-GP with the penalty (γ/2)(‖∇D‖ - g₀)²,
    which for the Dirac-GAN is (γ/2)(|ψ| - g₀)²).

    Attributes
    ----------
    jacobian : ndarray, shape (2, 2)
        Jacobian of the field on each open half-plane ψ > 0 and ψ < 0 (the same matrix
        [[0, -a], [a, -γ]]).
    jump : float
        v_ψ(θ, 0⁺) - v_ψ(θ, 0⁻) = 2γg₀ at every θ: the field is discontinuous at the equilibrium.
    branch_equilibria : ndarray, shape (2, 2)
        Rows (θ, ψ): the zeros (-γg₀/a, 0) and (γg₀/a, 0) of the smooth extensions of the
        ψ > 0 and ψ < 0 branches.  Both lie on the line ψ = 0, outside their own open
        half-plane, so neither is a stationary point of the WGAN-GP field.
    repelling_half_width : float
        γg₀/a: for |θ| < γg₀/a the field points away from ψ = 0 on both sides
        (v_ψ(θ, 0⁺) > 0 > v_ψ(θ, 0⁻)), so ψ is pushed away from its equilibrium value 0.
    """

    jacobian: np.ndarray
    jump: float
    branch_equilibria: np.ndarray
    repelling_half_width: float

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                for k, v in dataclasses.asdict(self).items()}


@renamed_keywords(gamma="penalty_weight")
def wgan_gp_branches(*, penalty_weight: float, target: float = 1.0, loss: str = "wgan") -> WGANGPBranches:
    """The smooth branches of the WGAN-GP Dirac-GAN field and the jump between them.

    v(θ, ψ) = (-ψ f'(ψθ), θ f'(ψθ) - γ(|ψ| - g₀) sign ψ): on ψ > 0 and on ψ < 0 the field is
    smooth with Jacobian [[0, -a], [a, -γ]] at ψ → 0, but v_ψ jumps by 2γg₀ across ψ = 0.

    Source: Mescheder et al. (2018), Section 3 (WGAN-GP on the Dirac-GAN: not locally
    convergent with a finite number of discriminator updates per generator update).

    Parameters
    ----------
    penalty_weight : float >= 0, keyword-only
        Penalty weight γ.
    target : float >= 0, keyword-only
        Target gradient norm g₀ (1 in Gulrajani et al. 2017).
    loss : {"gan", "nsgan", "wgan"}, keyword-only
        WGAN-GP uses ``"wgan"``; the others are accepted for comparison.

    Returns
    -------
    WGANGPBranches

    Raises
    ------
    ValueError
        For negative ``penalty_weight``/``target`` or an unknown ``loss``.

    Examples
    --------
    >>> b = wgan_gp_branches(penalty_weight=0.5, target=1.0)
    >>> b.jump, b.repelling_half_width
    (1.0, 0.5)
    >>> b.branch_equilibria
    array([[-0.5,  0. ],
           [ 0.5,  0. ]])
    """
    g = check_nonnegative(penalty_weight, "penalty_weight")
    g0 = check_nonnegative(target, "target")
    a, _ = f_derivatives(loss)
    jac = np.array([[0.0, -a], [a, -g]])
    shift = g * g0 / a
    return WGANGPBranches(
        jacobian=jac,
        jump=2.0 * g * g0,
        branch_equilibria=np.array([[-shift, 0.0], [shift, 0.0]]) + 0.0,
        repelling_half_width=shift,
    )


# ---------------------------------------------------------------------------- discrete updates
def _square(jacobian: ArrayLike) -> np.ndarray:
    jac = as_float_array(jacobian, "jacobian")
    if jac.ndim != 2 or jac.shape[0] != jac.shape[1] or jac.shape[0] < 2:
        raise ValueError(f"`jacobian` must be a square matrix of size >= 2 (got shape {jac.shape})")
    return jac


def gd_update_matrix(
    jacobian: ArrayLike,
    step: float,
    *,
    scheme: str = "simultaneous",
    n_disc_steps: int = 1,
    n_gen_steps: int = 1,
    step_d: float | None = None,
    n_generator: int | None = None,
) -> np.ndarray:
    """Jacobian at the equilibrium of one outer step of a gradient-descent scheme.

    With J = v'(x*) (generator coordinates first), P_g, P_d the projections on the generator's
    and the discriminator's coordinates, G = I + h_g P_g J and D = I + h_d P_d J:

    - ``"alternating"``: n_g generator steps, then n_d discriminator steps, M = D^{n_d} G^{n_g};
    - ``"simultaneous"``: both players start from the same point; the generator takes one step
      and the discriminator n_d steps against the generator's current parameters,
      M = P_g (I + h_g J) + P_d D^{n_d} (= I + diag(h_g, h_d) J for n_d = 1).

    Different step sizes h_g ≠ h_d give the two-time-scale version (the bilevel view of Pfau &
    Vinyals 2016, eqs. (1)-(2), with one player faster than the other).

    Source: Mescheder et al. (2018), Section 2 (SimGD F_h = id + h v and AltGD
    F_h = F_{2,h} ∘ F_{1,h}, generator first), with n_g, n_d repeated steps as in their analysis
    of alternating gradient descent; Mescheder et al. (2017), Section 3.

    Parameters
    ----------
    jacobian : array_like, shape (n, n)
        Jacobian of the vector field v = (-∇_θ L, ∇_ψ L) at the equilibrium.
    step : float > 0
        The generator's step size h_g (and the discriminator's when ``step_d`` is None).
    scheme : {"simultaneous", "alternating"}, keyword-only
    n_disc_steps : int >= 1, keyword-only
        Discriminator steps per outer step.
    n_gen_steps : int >= 1, keyword-only
        Generator steps per outer step (``"alternating"`` only).
    step_d : float > 0, optional, keyword-only
        The discriminator's step size h_d (two time scales).
    n_generator : int, optional, keyword-only
        How many leading coordinates belong to the generator (default n/2; n must then be even).

    Returns
    -------
    ndarray, shape (n, n)

    Raises
    ------
    ValueError, TypeError
        Non-square or non-finite ``jacobian``, non-positive steps, counts < 1, an
        ``n_generator`` outside [1, n-1] (or missing for odd n), ``n_gen_steps`` > 1 with the
        simultaneous scheme, or an unknown ``scheme``.

    Examples
    --------
    The unregularized Dirac-GAN with h = 1: SimGD is I + J, AltGD has determinant 1.

    >>> J = dirac_gan_jacobian("wgan")
    >>> gd_update_matrix(J, 1.0)
    array([[ 1., -1.],
           [ 1.,  1.]])
    >>> gd_update_matrix(J, 1.0, scheme="alternating")
    array([[ 1., -1.],
           [ 1.,  0.]])
    """
    jac = _square(jacobian)
    n = jac.shape[0]
    h_g = check_positive(step, "step")
    h_d = h_g if step_d is None else check_positive(step_d, "step_d")
    scheme = check_in(scheme, "scheme", SCHEMES)
    n_d = check_int(n_disc_steps, "n_disc_steps", minimum=1)
    n_g = check_int(n_gen_steps, "n_gen_steps", minimum=1)
    if n_generator is None:
        if n % 2:
            raise ValueError(
                f"`n_generator` is required for a Jacobian of odd size {n} (how many leading "
                "coordinates belong to the generator)"
            )
        k = n // 2
    else:
        k = check_int(n_generator, "n_generator", minimum=1)
        if k >= n:
            raise ValueError(f"`n_generator` must be < {n}, the Jacobian's size (got {k})")
    if scheme == "simultaneous" and n_g != 1:
        raise ValueError(f"`n_gen_steps` must be 1 for the simultaneous scheme (got {n_g})")
    eye = np.eye(n)
    gen_rows = np.zeros((n, 1))
    gen_rows[:k] = 1.0
    disc_rows = 1.0 - gen_rows
    g_step = eye + h_g * gen_rows * jac
    d_step = eye + h_d * disc_rows * jac
    with np.errstate(over="ignore", invalid="ignore"):
        d_power = np.linalg.matrix_power(d_step, n_d)
        if scheme == "alternating":
            out = d_power @ np.linalg.matrix_power(g_step, n_g)
        else:
            out = gen_rows * (eye + h_g * jac) + disc_rows * d_power
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"`step` = {step!r} with `n_disc_steps` = {n_d} (and `n_gen_steps` = {n_g}) makes "
            "the update matrix overflow float64 (entries beyond 1e308): its powers, and hence "
            "its spectral radius, cannot be represented in double precision"
        )
    return out


def gd_spectral_radius(
    jacobian: ArrayLike,
    step: float,
    *,
    scheme: str = "simultaneous",
    n_disc_steps: int = 1,
    n_gen_steps: int = 1,
    step_d: float | None = None,
    n_generator: int | None = None,
) -> float:
    """Spectral radius ρ(M) of the linearized update of a gradient-descent scheme.

    ρ(M) = max |eig(M)| with M from :func:`gd_update_matrix`.  ρ < 1: local convergence at the
    linear rate ρ; ρ > 1: no local convergence; ρ = 1: linearization inconclusive (Mescheder
    et al. 2018, Section 2).

    Source: Mescheder et al. (2018), Section 2 (local convergence from the spectrum of
    F_h'(θ*, ψ*)) and Appendix A (discrete dynamical systems).

    Parameters
    ----------
    jacobian, step, scheme, n_disc_steps, n_gen_steps, step_d, n_generator
        As in :func:`gd_update_matrix`.

    Returns
    -------
    float
        ρ(M) >= 0.

    Raises
    ------
    ValueError, TypeError
        As :func:`gd_update_matrix`.

    Examples
    --------
    SimGD on the unregularized WGAN: ρ = √(1 + h²) = √2 at h = 1.

    >>> bool(np.isclose(gd_spectral_radius(dirac_gan_jacobian("wgan"), 1.0), np.sqrt(2.0)))
    True
    """
    m = gd_update_matrix(jacobian, step, scheme=scheme, n_disc_steps=n_disc_steps,
                         n_gen_steps=n_gen_steps, step_d=step_d, n_generator=n_generator)
    return float(np.max(np.abs(np.linalg.eigvals(m))))


def max_stable_step(eigenvalues: ArrayLike) -> float:
    """Largest step h such that simultaneous GD with h' < h converges: min over λ of 2(-Re λ)/|λ|².

    |1 + hλ| < 1  ⇔  h|λ|² < -2 Re λ, so SimGD (one step size h for both players) is locally
    convergent iff every eigenvalue has Re λ < 0 and h < 2(-Re λ)/|λ|² for each of them.

    Source: Mescheder et al. (2017), "The Numerics of GANs", Section 3 (the condition
    h < (1/|Re λ|) · 2/(1 + (Im λ/Re λ)²) on the eigenvalues of v'); restated in Mescheder et al.
    (2018), Appendix A.

    Parameters
    ----------
    eigenvalues : array_like of complex, shape (n,)
        Eigenvalues of the field's Jacobian at the equilibrium.

    Returns
    -------
    float
        The bound (``0.0`` when some Re λ >= 0: no step converges).

    Raises
    ------
    ValueError, TypeError
        Empty or non-finite input.

    Examples
    --------
    >>> max_stable_step([-1 + 1j, -1 - 1j])   # 2 · 1 / 2
    1.0
    >>> max_stable_step([0.5j, -0.5j])
    0.0
    """
    lam = np.asarray(eigenvalues)
    if lam.size == 0:
        raise ValueError("`eigenvalues` must not be empty")
    if not np.issubdtype(lam.dtype, np.number) or np.issubdtype(lam.dtype, np.bool_):
        raise TypeError(f"`eigenvalues` must be numbers (got dtype {lam.dtype})")
    lam = lam.astype(complex).ravel()
    if not np.all(np.isfinite(lam)):
        raise ValueError("`eigenvalues` must be finite")
    if np.any(lam.real >= 0):
        return 0.0
    # 2 (-Re λ / |λ|) / |λ|: |λ|² underflows for |λ| < 1e-154 (and overflows above 1e154)
    # although the bound itself is representable; -Re λ / |λ| lies in (0, 1].  A bound above
    # the largest double (|λ| < ~1e-308) is +inf, its correctly rounded value.
    mod = np.abs(lam)
    with np.errstate(over="ignore", divide="ignore"):
        return float(np.min(2.0 * (-lam.real / mod) / mod))


def dirac_gan_simgd_radius(loss: str = "gan", step: float = 0.1, *, step_d: float | None = None) -> float:
    """Spectral radius of simultaneous GD on the unregularized Dirac-GAN: √(1 + h_g h_d f'(0)²).

    The update Jacobian at the equilibrium has eigenvalues 1 ± i h f'(0) (equal steps), whose
    modulus √(1 + h² f'(0)²) exceeds 1 for every h > 0: SimGD is not locally convergent.  With two
    time scales the eigenvalues are 1 ± i √(h_g h_d) f'(0): only the product of the steps enters.

    Source: Mescheder et al. (2018), Section 2 (simultaneous gradient descent on the
    Dirac-GAN: eigenvalues 1 ± h f'(0) i, not stable for any learning rate).

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}
    step : float > 0
        h (the generator's h_g).
    step_d : float > 0, optional, keyword-only
        The discriminator's h_d (default h).

    Returns
    -------
    float

    Raises
    ------
    ValueError, TypeError
        Bad ``loss`` or steps.

    Examples
    --------
    >>> dirac_gan_simgd_radius("wgan", 1.0) == float(np.sqrt(2.0))
    True
    """
    a, _ = f_derivatives(loss)
    h_g = check_positive(step, "step")
    h_d = h_g if step_d is None else check_positive(step_d, "step_d")
    # hypot(1, √(h_g h_d)|a|): h_g h_d a² may overflow while the radius does not.
    return float(np.hypot(1.0, np.sqrt(h_g) * np.sqrt(h_d) * abs(a)))


def dirac_gan_altgd_eigenvalues(
    loss: str = "gan", step: float = 0.1, *, n_gen_steps: int = 1, n_disc_steps: int = 1,
    step_d: float | None = None,
) -> np.ndarray:
    """Eigenvalues of alternating GD's update Jacobian on the unregularized Dirac-GAN.

    λ = 1 - α²/2 ± √((1 - α²/2)² - 1) with α = √(n_g n_d h_g h_d) f'(0).  For α <= 2 both lie on
    the unit circle (|λ| = 1: no convergence at a linear rate, the iterates circle the
    equilibrium); for α > 2 one is real with |λ| > 1.

    Source: Mescheder et al. (2018), Section 2 (alternating gradient descent on the
    Dirac-GAN with n_g generator and n_d discriminator updates, α = √(n_g n_d) h f'(0)); the
    two-time-scale form replaces h² by h_g h_d.

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}
    step : float > 0
        h_g.
    n_gen_steps, n_disc_steps : int >= 1, keyword-only
        n_g, n_d.
    step_d : float > 0, optional, keyword-only
        h_d (default h_g).

    Returns
    -------
    ndarray of complex, shape (2,)
        ``[λ₊, λ₋]``.

    Raises
    ------
    ValueError, TypeError
        Bad ``loss``, steps or counts.

    Examples
    --------
    α = 2 (h = 2, WGAN): a double eigenvalue -1 on the unit circle.

    >>> dirac_gan_altgd_eigenvalues("wgan", 2.0)
    array([-1.+0.j, -1.+0.j])
    """
    a, _ = f_derivatives(loss)
    h_g = check_positive(step, "step")
    h_d = h_g if step_d is None else check_positive(step_d, "step_d")
    n_g = check_int(n_gen_steps, "n_gen_steps", minimum=1)
    n_d = check_int(n_disc_steps, "n_disc_steps", minimum=1)
    with np.errstate(over="ignore"):  # α² beyond the double range: centre = -inf
        alpha_sq = float(np.float64(n_g) * n_d * h_g * h_d * a * a)
    centre = 1.0 - alpha_sq / 2.0
    # λ² - 2 centre λ + 1 = 0: the product of the roots is 1 (det of the update), so the small
    # root is 1/λ_big, formed without squaring centre (step = 1e100 would overflow it).
    return _conjugate_pair_roots(centre, 1.0)


# ---------------------------------------------------------------------------- categorical GAN
def categorical_gan_jacobian(p_data: ArrayLike) -> np.ndarray:
    """Jacobian of the categorical GAN's gradient field at the equilibrium q = p, ψ = 0.

    Generator q = softmax(θ), discriminator D = σ(ψ) per atom, V = Σ p log σ(ψ) + Σ q log σ(-ψ),
    field v = (-∂L_G/∂θ, ∂V/∂ψ).  At θ = log p, ψ = 0 (D = 1/2), with S = diag(p) - p pᵀ:

        J = [[0, S/2], [-S/2, -diag(p)/2]]

    for both the minimax (L_G = Σ q log(1 - D)) and the non-saturating (L_G = -Σ q log D)
    generator losses.  The off-diagonal part is skew-symmetric and the ψψ block negative
    definite for p > 0, so every eigenvalue has Re λ <= 0; the only one with Re λ = 0 is λ = 0,
    along the softmax gauge direction (θ + c·1, 0), which does not move q.

    Source: derived here by differentiating Goodfellow et al. (2014), eq. (1) on a finite
    sample space (softmax Jacobian ∂q_i/∂θ_j = q_i(δ_ij - q_j), σ'(0) = 1/4); the stability
    reading is that of Mescheder et al. (2018), Section 2.

    Parameters
    ----------
    p_data : array_like, shape (K,)
        Data distribution with full support (p > 0).

    Returns
    -------
    ndarray, shape (2K, 2K)
        Rows/columns ordered (θ_1..θ_K, ψ_1..ψ_K).

    Raises
    ------
    ValueError
        If ``p_data`` is not a 1-D probability vector with every p_i > 0 (q = softmax θ has no
        zero atoms, so q = p needs full support).

    Examples
    --------
    >>> categorical_gan_jacobian([0.5, 0.5])
    array([[ 0.   ,  0.   ,  0.125, -0.125],
           [ 0.   ,  0.   , -0.125,  0.125],
           [-0.125,  0.125, -0.25 ,  0.   ],
           [ 0.125, -0.125,  0.   , -0.25 ]])
    """
    p = check_probability_vector(p_data, "p_data")
    if np.any(p <= 0):
        raise ValueError("`p_data` must have full support (every p_i > 0) for q = softmax(θ) = p")
    k = p.shape[0]
    s = np.diag(p) - np.outer(p, p)
    jac = np.zeros((2 * k, 2 * k))
    jac[:k, k:] = s / 2.0
    jac[k:, :k] = -s / 2.0
    jac[k:, k:] = np.diag(-p / 2.0)
    return jac
