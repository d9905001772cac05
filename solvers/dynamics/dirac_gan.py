"""The Dirac-GAN's training dynamics: one vector-field object per regularizer, separate integrators.

The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, Section 2): data at 0, the generator a point
mass at θ, the discriminator D_ψ(x) = ψ·x, and

    L(θ, ψ) = f(D_ψ(θ)) + f(-D_ψ(0)),   f(t) = -log(1 + e^{-t})  (GAN)  or  f(t) = t  (WGAN),

maximized by the discriminator, minimized by the generator (the non-saturating generator
maximizes f(-D_ψ(θ)) instead).  A field returns v(θ, ψ) = (-∂(generator loss)/∂θ,
∂(discriminator objective)/∂ψ), computed here by ``autograd`` from the objectives as written
(penalties included; ∇ₓD by differentiating D itself), never from a closed-form Jacobian:

- :class:`Unregularized` — GAN, non-saturating GAN or WGAN;
- :class:`GradientPenalty` — R1 (penalty (γ/2)|∇ₓD|² on the data) or R2 (on the samples);
- :class:`InstanceNoise` — Gaussian noise of std σ on real and fake points; the expectation is
  computed exactly up to Gauss-Hermite quadrature (no sampling);
- :class:`Consensus` — w = v - γ ∇(|v|²/2) (consensus optimization, Mescheder et al. 2017);
- :class:`WGANGP` — the WGAN loss with (γ/2)(|∇ₓD(x̂)| - g₀)² at an interpolate x̂;
- :class:`WGANClip` — the WGAN loss with ψ clipped to [-c, c] after every step.

Integrators: :func:`simultaneous_gd`, :func:`alternating_gd` (n_g generator steps, then n_d
discriminator steps), both with two time scales (``step_d``), and :func:`continuous_flow`
(``scipy.integrate.solve_ivp``).

Independence rule (DESIGN.md): nothing here calls ``theory.dynamics``; tests and claims compare.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np
from autograd import elementwise_grad
from autograd.extend import defvjp, primitive
from numpy.typing import ArrayLike
from scipy.integrate import solve_ivp

from solvers.dynamics.categorical_jacobian import central_difference_jacobian
from solvers.results import ArrayResult
from theory.validation import as_float_array, check_in, check_instance, check_int, check_nonnegative, check_positive
from theory.deprecation import module_getattr, renamed_keywords
# The option names (LOSSES, REGULARIZERS, SCHEMES) are shared with the closed forms; nothing here
# calls theory.dynamics' formulas.
from theory.dynamics import LOSSES, REGULARIZERS, SCHEMES

__all__ = [
    "LOSSES",
    "REGULARIZERS",
    "SCHEMES",
    "VectorField",
    "Unregularized",
    "GradientPenalty",
    "InstanceNoise",
    "Consensus",
    "WGANGP",
    "WGANClip",
    "dirac_gan_field",
    "Trajectory",
    "FlowResult",
    "simgd_step",
    "altgd_step",
    "gradient_descent",
    "simultaneous_gd",
    "alternating_gd",
    "continuous_flow",
]


#: Gauss-Hermite nodes for the instance-noise expectations.  The integrands f(ψ(θ + ε)) are
#: entire functions of ε; 64 nodes integrate polynomials of degree <= 127 exactly and, for
#: |ψ|σ <= 10, agree with adaptive quadrature to < 1e-12 (tests/solvers/dynamics/test_dirac_gan.py).
HERMITE_NODES = 64


# ---------------------------------------------------------------------------- pieces
def _f(loss: str, t):
    """The paper's f: -log(1 + e^{-t}) = -softplus(-t) (GAN), or t (WGAN)."""
    if loss == "wgan":
        return t
    return -anp.logaddexp(0.0, -t)


def _discriminator(psi, x):
    """D_ψ(x) = ψ·x."""
    return psi * x


_d_dx = elementwise_grad(_discriminator, 1)  # ∇ₓD_ψ(x), by autograd (= ψ for every x)


@primitive
def _abs(x):
    """|x|, whose autograd derivative is exactly sign(x) (sign(0) = 0).

    autograd's own ``abs`` differentiates as g·x/|x| (with 0 at x = 0); for a subnormal x the
    quotient x/|x| is computed in a precision where it rounds to 0 or a value far from ±1
    (5e-324/5e-324 is 1, but the VJP's intermediate g·x underflows first), so the WGAN-GP field
    lost its penalty term at subnormal ψ.  Here the derivative is sign(x) by definition.
    """
    return np.abs(x)


# anp.sign keeps the VJP itself differentiable (its derivative is 0 almost everywhere).
defvjp(_abs, lambda ans, x: lambda g: g * anp.sign(x))


def _generator_term(loss: str, d_fake):
    """What the generator minimizes as a function of D(fake): f(D) or, non-saturating, -f(-D)."""
    if loss == "nsgan":
        return -_f("gan", -d_fake)
    return _f(loss, d_fake)


# ---------------------------------------------------------------------------- fields
class VectorField(abc.ABC):
    """A gradient vector field v(θ, ψ) = (v_θ, v_ψ) of the Dirac-GAN, evaluated elementwise.

    Subclasses implement :meth:`v_theta` and :meth:`v_psi` (or the two objectives of
    :class:`_ObjectiveField`); :meth:`project` is applied after every update (identity except
    for WGAN clipping).  Inputs broadcast; outputs are float arrays of the broadcast shape
    (0-d for scalars).
    """

    #: One of :data:`LOSSES`.
    loss: str = "gan"

    @abc.abstractmethod
    def v_theta(self, theta, psi):
        """The generator's component -∂(generator loss)/∂θ."""

    @abc.abstractmethod
    def v_psi(self, theta, psi):
        """The discriminator's component ∂(discriminator objective)/∂ψ."""

    def __call__(self, theta: ArrayLike, psi: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """(v_θ, v_ψ) at (θ, ψ), broadcast against each other."""
        theta, psi = _pair(theta, psi)
        return np.asarray(self.v_theta(theta, psi), float), np.asarray(self.v_psi(theta, psi), float)

    def project(self, theta: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The projection applied after each update (identity by default)."""
        return theta, psi

    def jacobian_fd(self, theta: float = 0.0, psi: float = 0.0, *, eps: float = 1e-5) -> np.ndarray:
        """Central finite-difference Jacobian of (v_θ, v_ψ) at (θ, ψ), shape (2, 2), rows (θ, ψ)."""

        def flat(x):
            v1, v2 = self(x[..., 0], x[..., 1])
            return np.stack([v1, v2], axis=-1)

        return central_difference_jacobian(flat, np.array([theta, psi], float), eps=eps)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


def _pair(theta: ArrayLike, psi: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t = as_float_array(theta, "theta")
    p = as_float_array(psi, "psi")
    try:
        return tuple(np.broadcast_arrays(t, p))  # type: ignore[return-value]
    except ValueError:
        raise ValueError(f"`theta` and `psi` have shapes {t.shape} and {p.shape}, which do not "
                         "broadcast") from None


class _ObjectiveField(VectorField):
    """A field given by the two players' objectives, differentiated by autograd."""

    @abc.abstractmethod
    def generator_loss(self, theta, psi):
        """What the generator minimizes (elementwise in θ, ψ)."""

    @abc.abstractmethod
    def discriminator_objective(self, theta, psi):
        """What the discriminator maximizes, penalties included (elementwise)."""

    def v_theta(self, theta, psi):
        return -elementwise_grad(self.generator_loss, 0)(theta, psi)

    def v_psi(self, theta, psi):
        return elementwise_grad(self.discriminator_objective, 1)(theta, psi)


def _check_loss(loss: str) -> str:
    return check_in(loss, "loss", LOSSES)


class Unregularized(_ObjectiveField):
    """L = f(D_ψ(θ)) + f(-D_ψ(0)) with no regularizer (Mescheder et al. 2018, Section 2).

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}
    """

    def __init__(self, loss: str = "gan"):
        self.loss = _check_loss(loss)

    def generator_loss(self, theta, psi):
        return _generator_term(self.loss, _discriminator(psi, theta))

    def discriminator_objective(self, theta, psi):
        return _f(self.loss, _discriminator(psi, theta)) + _f(self.loss, -_discriminator(psi, 0.0 * theta))


@renamed_keywords(gamma="penalty_weight")
class GradientPenalty(Unregularized):
    """Zero-centred gradient penalties: the discriminator maximizes L - (γ/2)|∇ₓD_ψ(x)|².

    ``kind="r1"`` evaluates ∇ₓD on the data (x = 0), ``kind="r2"`` on the generator's sample
    (x = θ); the generator's loss is unchanged.  ∇ₓD is obtained by differentiating D.

    Source: Mescheder et al. (2018), Section 3 (zero-centred gradient penalties, R1 and R2).

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}
    penalty_weight : float >= 0
    kind : {"r1", "r2"}
    """

    def __init__(self, loss: str = "gan", penalty_weight: float = 1.0, kind: str = "r1"):
        super().__init__(loss)
        self.penalty_weight = check_nonnegative(penalty_weight, "penalty_weight")
        self.kind = check_in(kind, "kind", ("r1", "r2"))

    def discriminator_objective(self, theta, psi):
        x = 0.0 * theta if self.kind == "r1" else theta
        grad_x = _d_dx(psi, x)
        return super().discriminator_objective(theta, psi) - 0.5 * self.penalty_weight * grad_x**2


class InstanceNoise(_ObjectiveField):
    """Gaussian instance noise ε ~ N(0, σ²) on real and fake points, expectations by quadrature.

    L_σ(θ, ψ) = E f(D_ψ(θ + ε)) + E f(-D_ψ(ε')), each E by ``n_nodes``-point Gauss-Hermite
    quadrature, E g(ε) ≈ Σ_i (w_i/√π) g(√2 σ x_i): exact for polynomials of degree < 2 n_nodes
    and deterministic (no Monte Carlo).

    Source: Mescheder et al. (2018), Section 3 (instance noise).

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}
    sigma : float >= 0
    n_nodes : int >= 1
    """

    def __init__(self, loss: str = "gan", sigma: float = 1.0, n_nodes: int = HERMITE_NODES):
        self.loss = _check_loss(loss)
        self.sigma = check_nonnegative(sigma, "sigma")
        self.n_nodes = check_int(n_nodes, "n_nodes", minimum=1)
        x, w = np.polynomial.hermite.hermgauss(self.n_nodes)
        self._eps = np.sqrt(2.0) * self.sigma * x
        self._w = w / np.sqrt(np.pi)

    def _expect(self, fn, centre, psi):
        # E_ε fn(ψ (centre + ε)), vectorized over a trailing axis of quadrature nodes.
        values = fn(psi[..., None] * (centre[..., None] + self._eps))
        return anp.sum(values * self._w, axis=-1)

    def generator_loss(self, theta, psi):
        return self._expect(lambda d: _generator_term(self.loss, d), theta, psi)

    def discriminator_objective(self, theta, psi):
        fake = self._expect(lambda d: _f(self.loss, d), theta, psi)
        real = self._expect(lambda d: _f(self.loss, -d), 0.0 * theta, psi)
        return fake + real


@renamed_keywords(gamma="penalty_weight")
class Consensus(VectorField):
    """Consensus optimization: w = v - γ ∇(|v|²/2), with v the unregularized field.

    Both components of ∇(|v|²/2) are obtained by differentiating |v|²/2, itself built from the
    autograd field, so the second derivatives of f enter without being written down.

    Source: Mescheder et al. (2017), "The Numerics of GANs", Section 4 (consensus
    optimization); applied to the Dirac-GAN in Mescheder et al. (2018), Section 3.

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}
    penalty_weight : float >= 0
    """

    def __init__(self, loss: str = "gan", penalty_weight: float = 1.0):
        self.loss = _check_loss(loss)
        self.penalty_weight = check_nonnegative(penalty_weight, "penalty_weight")
        self._base = Unregularized(self.loss)

    def _half_sq_norm(self, theta, psi):
        v1 = self._base.v_theta(theta, psi)
        v2 = self._base.v_psi(theta, psi)
        return 0.5 * (v1**2 + v2**2)

    def v_theta(self, theta, psi):
        return (self._base.v_theta(theta, psi)
                - self.penalty_weight * elementwise_grad(self._half_sq_norm, 0)(theta, psi))

    def v_psi(self, theta, psi):
        return (self._base.v_psi(theta, psi)
                - self.penalty_weight * elementwise_grad(self._half_sq_norm, 1)(theta, psi))


@renamed_keywords(gamma="penalty_weight")
class WGANGP(Unregularized):
    """WGAN-GP: the discriminator maximizes L - (γ/2)(|∇ₓD_ψ(x̂)| - g₀)².

    x̂ = (x_real + x_fake)/2 (Gulrajani et al. 2017 draw x̂ uniformly on the segment; a linear D
    has the same gradient everywhere, so the choice does not matter).  |·| is differentiated by
    autograd, with derivative sign(ψ) and sign(0) = 0.

    Source: Mescheder et al. (2018), Section 3 (WGAN-GP on the Dirac-GAN, penalty with target
    g₀); Gulrajani et al. (2017), eq. (3).

    Parameters
    ----------
    penalty_weight : float >= 0
    target : float >= 0
        g₀ (1 in Gulrajani et al.).
    loss : {"gan", "nsgan", "wgan"}
        ``"wgan"`` for WGAN-GP proper.
    """

    def __init__(self, penalty_weight: float = 1.0, target: float = 1.0, loss: str = "wgan"):
        super().__init__(loss)
        self.penalty_weight = check_nonnegative(penalty_weight, "penalty_weight")
        self.target = check_nonnegative(target, "target")

    def discriminator_objective(self, theta, psi):
        x_hat = 0.5 * (0.0 * theta + theta)
        norm = _abs(_d_dx(psi, x_hat))  # derivative exactly sign(ψ), also for subnormal ψ
        return super().discriminator_objective(theta, psi) - 0.5 * self.penalty_weight * (norm - self.target) ** 2


class WGANClip(Unregularized):
    """The WGAN (f(t) = t) with ψ clipped to [-c, c] after every update (Arjovsky et al. 2017).

    Source: Mescheder et al. (2018), Section 3 (WGAN on the Dirac-GAN); Arjovsky et al.
    (2017), Algorithm 1 (weight clipping).

    Parameters
    ----------
    clip : float > 0
        c.
    """

    def __init__(self, clip: float = 1.0):
        super().__init__("wgan")
        self.clip = check_positive(clip, "clip")

    def project(self, theta, psi):
        return theta, np.clip(psi, -self.clip, self.clip)


@renamed_keywords(gamma="penalty_weight")
def dirac_gan_field(
    loss: str = "gan",
    regularizer: str = "none",
    *,
    penalty_weight: float = 0.0,
    sigma: float = 0.0,
    target: float = 1.0,
    clip: float | None = None,
) -> VectorField:
    """The field object for a loss and a regularizer (names as in ``theory.dynamics``).

    Parameters
    ----------
    loss : {"gan", "nsgan", "wgan"}
    regularizer : {"none", "r1", "r2", "instance-noise", "consensus", "wgan-gp"}
    penalty_weight, sigma, target : float, keyword-only
        The regularizer's parameters.
    clip : float > 0, optional, keyword-only
        Clip ψ to [-clip, clip] (``loss="wgan"`` with ``regularizer="none"`` only).

    Returns
    -------
    VectorField

    Raises
    ------
    ValueError
        Unknown names, or ``clip`` with another loss or regularizer.
    """
    loss = _check_loss(loss)
    regularizer = check_in(regularizer, "regularizer", REGULARIZERS)
    if clip is not None:
        if loss != "wgan" or regularizer != "none":
            raise ValueError("`clip` applies to loss='wgan' with regularizer='none' only "
                             f"(got loss={loss!r}, regularizer={regularizer!r})")
        return WGANClip(clip)
    if regularizer == "none":
        return Unregularized(loss)
    if regularizer in ("r1", "r2"):
        return GradientPenalty(loss, penalty_weight, regularizer)
    if regularizer == "instance-noise":
        return InstanceNoise(loss, sigma)
    if regularizer == "consensus":
        return Consensus(loss, penalty_weight)
    return WGANGP(penalty_weight, target, loss)


# ---------------------------------------------------------------------------- integrators
@dataclass
class Trajectory(ArrayResult):
    """Iterates of a gradient-descent scheme.

    Attributes
    ----------
    theta, psi : ndarray, shape (n_steps + 1, *batch)
        Before the first and after every outer step.
    scheme : str
    step_g, step_d : float
    n_gen_steps, n_disc_steps : int
    field : str
        ``repr`` of the field.
    """

    theta: np.ndarray
    psi: np.ndarray
    scheme: str
    step_g: float
    step_d: float
    n_gen_steps: int
    n_disc_steps: int
    field: str

    @property
    def distance(self) -> np.ndarray:
        """√(θ² + ψ²): the distance to the equilibrium (0, 0) after each step."""
        return np.hypot(self.theta, self.psi)


def simgd_step(field: VectorField, theta: np.ndarray, psi: np.ndarray, *, step_g: float,
               step_d: float, n_disc_steps: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """One outer step of simultaneous GD: both players move from (θ_t, ψ_t).

    θ_{t+1} = θ_t + h_g v_θ(θ_t, ψ_t);  ψ_{t+1} = ψ_t after n_d steps ψ ← ψ + h_d v_ψ(θ_t, ψ)
    against θ_t, each followed by the field's projection; then the pair is projected.

    Source: Mescheder et al. (2018), Section 2 (SimGD, F_h = id + h v).
    """
    new_theta = theta + step_g * np.asarray(field.v_theta(theta, psi), float)
    new_psi = psi
    for _ in range(n_disc_steps):
        new_psi = new_psi + step_d * np.asarray(field.v_psi(theta, new_psi), float)
        _, new_psi = field.project(theta, new_psi)
    return field.project(new_theta, new_psi)


def altgd_step(field: VectorField, theta: np.ndarray, psi: np.ndarray, *, step_g: float,
               step_d: float, n_disc_steps: int = 1, n_gen_steps: int = 1
               ) -> tuple[np.ndarray, np.ndarray]:
    """One outer step of alternating GD: n_g generator steps θ ← θ + h_g v_θ(θ, ψ), then n_d
    discriminator steps ψ ← ψ + h_d v_ψ(θ, ψ) at the new θ, each followed by the projection.

    Source: Mescheder et al. (2018), Section 2 (AltGD, F_h = F_{2,h} ∘ F_{1,h}: generator
    update first).
    """
    for _ in range(n_gen_steps):
        theta = theta + step_g * np.asarray(field.v_theta(theta, psi), float)
        theta, psi = field.project(theta, psi)
    for _ in range(n_disc_steps):
        psi = psi + step_d * np.asarray(field.v_psi(theta, psi), float)
        theta, psi = field.project(theta, psi)
    return theta, psi


def gradient_descent(
    field: VectorField,
    theta0: ArrayLike,
    psi0: ArrayLike,
    *,
    scheme: str = "simultaneous",
    step: float,
    n_steps: int,
    step_d: float | None = None,
    n_disc_steps: int = 1,
    n_gen_steps: int = 1,
) -> Trajectory:
    """Simultaneous or alternating gradient descent on the Dirac-GAN (:func:`simgd_step`,
    :func:`altgd_step`); the field's projection (WGAN clipping) follows every update.

    Source: Mescheder et al. (2018), Section 2 (SimGD and AltGD, with n_g and n_d repeated
    updates as in their Dirac-GAN analysis); two step sizes as in the bilevel view of Pfau &
    Vinyals (2016), eqs. (1)-(2).

    Parameters
    ----------
    field : VectorField
    theta0, psi0 : float or array_like
        Initial points (broadcast: a batch of trajectories at once).
    scheme : {"simultaneous", "alternating"}, keyword-only
    step : float > 0, keyword-only
        h_g (and h_d unless ``step_d`` is given).
    n_steps : int >= 0, keyword-only
        Outer steps (each n_g + n_d updates).
    step_d : float > 0, optional, keyword-only
    n_disc_steps : int >= 1, keyword-only
    n_gen_steps : int >= 1, keyword-only
        Alternating scheme only (1 for the simultaneous one).

    Returns
    -------
    Trajectory

    Raises
    ------
    TypeError, ValueError
        Bad field, points, steps, counts or scheme.
    """
    check_instance(field, "field", VectorField)
    theta, psi = _pair(theta0, psi0)
    h_g = check_positive(step, "step")
    h_d = h_g if step_d is None else check_positive(step_d, "step_d")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    n_d = check_int(n_disc_steps, "n_disc_steps", minimum=1)
    n_g = check_int(n_gen_steps, "n_gen_steps", minimum=1)
    scheme = check_in(scheme, "scheme", SCHEMES)
    if scheme == "simultaneous" and n_g != 1:
        raise ValueError(f"`n_gen_steps` must be 1 for the simultaneous scheme (got {n_g})")
    theta, psi = field.project(theta.copy(), psi.copy())
    thetas = np.empty((n_steps + 1, *theta.shape))
    psis = np.empty((n_steps + 1, *psi.shape))
    thetas[0], psis[0] = theta, psi
    for t in range(n_steps):
        if scheme == "simultaneous":
            theta, psi = simgd_step(field, theta, psi, step_g=h_g, step_d=h_d, n_disc_steps=n_d)
        else:
            theta, psi = altgd_step(field, theta, psi, step_g=h_g, step_d=h_d, n_disc_steps=n_d,
                                    n_gen_steps=n_g)
        thetas[t + 1], psis[t + 1] = theta, psi
    return Trajectory(thetas, psis, scheme, h_g, h_d, n_g, n_d, repr(field))


def simultaneous_gd(field: VectorField, theta0: ArrayLike, psi0: ArrayLike, *, step: float,
                    n_steps: int, step_d: float | None = None, n_disc_steps: int = 1) -> Trajectory:
    """Simultaneous gradient descent: both players step from the same point (:func:`simgd_step`);
    :func:`gradient_descent` with ``scheme="simultaneous"``, whose parameters it takes.

    Source: Mescheder et al. (2018), Section 2 (SimGD, F_h = id + h v).
    """
    return gradient_descent(field, theta0, psi0, scheme="simultaneous", step=step, n_steps=n_steps,
                            step_d=step_d, n_disc_steps=n_disc_steps)


def alternating_gd(field: VectorField, theta0: ArrayLike, psi0: ArrayLike, *, step: float,
                   n_steps: int, step_d: float | None = None, n_disc_steps: int = 1,
                   n_gen_steps: int = 1) -> Trajectory:
    """Alternating gradient descent: n_g generator steps, then n_d discriminator steps
    (:func:`altgd_step`); :func:`gradient_descent` with ``scheme="alternating"``, whose
    parameters it takes.

    Source: Mescheder et al. (2018), Section 2 (AltGD, F_h = F_{2,h} ∘ F_{1,h}).
    """
    return gradient_descent(field, theta0, psi0, scheme="alternating", step=step, n_steps=n_steps,
                            step_d=step_d, n_disc_steps=n_disc_steps, n_gen_steps=n_gen_steps)


@dataclass
class FlowResult:
    """The continuous-time flow (θ', ψ') = (v_θ, ratio · v_ψ) integrated by ``solve_ivp``.

    Attributes
    ----------
    t : ndarray, shape (n_eval,)
    theta, psi : ndarray, shape (n_eval,)
    success : bool
    message : str
    nfev : int
    """

    t: np.ndarray
    theta: np.ndarray
    psi: np.ndarray
    success: bool
    message: str
    nfev: int

    @property
    def distance(self) -> np.ndarray:
        """√(θ² + ψ²) along the flow."""
        return np.hypot(self.theta, self.psi)


def continuous_flow(
    field: VectorField,
    theta0: float,
    psi0: float,
    *,
    t_max: float,
    n_eval: int = 201,
    ratio: float = 1.0,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    method: str = "DOP853",
) -> FlowResult:
    """Integrate the gradient flow ẋ = (v_θ, ratio · v_ψ) from (θ₀, ψ₀) with ``solve_ivp``.

    The limit h → 0 of the discrete schemes (``ratio`` = h_d/h_g for two time scales).  The
    projection of :class:`WGANClip` is not applied (the flow of a clipped field is a
    differential inclusion).

    Source: Mescheder et al. (2018), Section 2 (the continuous system: the integral curves of
    the unregularized Dirac-GAN's field are circles θ² + ψ² = const).

    Parameters
    ----------
    field : VectorField
    theta0, psi0 : float
    t_max : float > 0
    n_eval : int >= 2
        Output times, evenly spaced on [0, t_max].
    ratio : float > 0
    rtol, atol : float > 0
        ``solve_ivp`` tolerances.
    method : str
        A ``solve_ivp`` method (default DOP853).

    Returns
    -------
    FlowResult

    Raises
    ------
    TypeError, ValueError
        Bad arguments.
    """
    if not isinstance(field, VectorField):
        raise TypeError(f"`field` must be a VectorField (got {type(field).__name__})")
    x0 = np.array([_finite_scalar(theta0, "theta0"), _finite_scalar(psi0, "psi0")])
    t_max = check_positive(t_max, "t_max")
    n_eval = check_int(n_eval, "n_eval", minimum=2)
    ratio = check_positive(ratio, "ratio")
    rtol = check_positive(rtol, "rtol")
    atol = check_positive(atol, "atol")

    def rhs(_t, x):
        v1, v2 = field(x[0], x[1])
        return np.array([float(v1), ratio * float(v2)])

    t_eval = np.linspace(0.0, t_max, n_eval)
    sol = solve_ivp(rhs, (0.0, t_max), x0, method=method, t_eval=t_eval, rtol=rtol, atol=atol)
    return FlowResult(sol.t, sol.y[0], sol.y[1], bool(sol.success), str(sol.message), int(sol.nfev))


def _finite_scalar(x, name: str) -> float:
    """A finite real scalar (any sign)."""
    arr = as_float_array(x, name)
    if arr.ndim != 0:
        raise ValueError(f"`{name}` must be a scalar (got shape {arr.shape})")
    return float(arr)

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'Unregularised': 'Unregularized',
})
