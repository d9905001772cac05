"""Pfau & Vinyals (2016), Table 1, measured: every stabilizing strategy against the plain
learner on GAN and actor-critic toys.

Rows are the strategies of the paper's Table 1; the second column repeats the paper's own
verdicts (GAN / AC) as we read them from the table.  Every other column is a toy with a named
convergence metric, run over independent seeds with and without the strategy; a cell is the
geometric-mean ratio metric(strategy) / metric(baseline) with its 95% t-interval over seeds
(computed on log10 ratios, paired by seed: same data, same initialization).  Ratio < 1 means the
strategy helped.  "n/a" cells give the reason.

Toys (``fast`` uses fewer seeds and steps; ``full`` adds the neural column):

- GAN, categorical, lr 1 — the exact-expectation categorical GAN (K = 8, p_data ~ Dir(2),
  random generator logits), simultaneous GDA with the non-saturating loss, lr_g = lr_d = 1;
  metric JSD(p_data ‖ q) after 500 steps (floored at 1e-12);
- GAN, categorical, lr 16 — the same at a step size where plain GDA no longer converges;
- GAN, neural 1-D (full only) — 2x16 tanh MLPs, Adam, on the mixture ½N(-2, ½²) + ½N(2, ½²);
  metric W1(samples, data) after N steps;
- GAN, Dirac, SimGD / AltGD — the Dirac-GAN of Mescheder et al. (2018) (data at 0, generator
  δ_θ, discriminator logit ψx, GAN loss) under simultaneous / alternating GD with h = 0.2
  (``solvers.dynamics.stabilizers``), started on the unit circle at a random angle per seed;
  metric r_N/r_0, the distance to the equilibrium (0, 0) after N steps relative to the start.
  Plain GD never converges here (SimGD spirals out at the linear rate √(1 + h²/4) per step,
  AltGD circles with |λ| = 1), so the baseline's r_N/r_0 is > 1 (SimGD) or ≈ 1 (AltGD) and a
  ratio < 1 means the strategy pulled the iterates in.  The notes add the linear-regime rate
  ρ̂ per step, fitted to log r_t over steps 250-500 of a copy started at radius 1e-9 (ρ̂ < 1:
  local convergence; tests/solvers/dynamics/test_stabilizers.py checks such rates against the
  spectral radii of the strategies' augmented-state linear maps);
- AC, bandit — a fixed 10-armed Gaussian testbed (means from N(0, 1), unit noise); metric
  regret max_a μ_a - Σ π(a) μ_a after N steps (floored at 1e-9);
- AC, chain — Strens's 5-state chain (γ = 0.9, start in state 0); metric relative gap
  (J* - J(π))/J* after N steps, J by exact policy evaluation (floored at 1e-9).

Strategy settings are fixed a priori (not tuned): freezing = skip the discriminator while its
loss is 10% below its equilibrium value log 4 (GAN and Dirac-GAN) or the actor while the running mean
|TD error| exceeds 1.0 (bandit, above its noise floor ≈ 0.8) or 0.5 (chain); label smoothing
0.9/0 and 0.9/0.1; historical averaging λ = 0.01; target networks τ = 0.1; replay = half of
the fake data from the last 50 steps' generators (GAN) or the critic learning from the last
50 steps' transitions (AC); entropy bonus 0.01 (GAN) and 0.1 (AC); compatible features as in
``solvers.tabular.stabilizers`` / ``solvers.tabular.actor_critic``.

The Dirac-GAN uses the same settings (historical averaging: the uniform mean of all past
parameters; replay: the generator positions of the last 50 steps; compatible features: the
compatible critic of the deterministic generator fitted to the GAN MDP's reward, which is zero).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.dynamics.stabilizers import NOT_APPLICABLE as _NA_DIRAC
from solvers.dynamics.stabilizers import DiracStabilizers, fitted_rate, train_stabilized_dirac_gan
from solvers.problems.rl_toys import bandit, chain_mdp, policy_evaluation, value_iteration
from solvers.tabular import actor_critic as tabular_ac
from solvers.tabular import stabilizers as tabular_st
from solvers.tabular.actor_critic import ACConfig, train_actor_critic
from solvers.tabular.stabilizers import GANStabilizers, train_stabilized_gan
from theory.divergences import js_divergence, wasserstein_1d

CLAIMS = (
    "pfau2016/table1-smoothed-optimal-discriminator",
    "pfau2016/table1-label-smoothing-fixed-point",
    "pfau2016/table1-replay-buffer-bias",
    "pfau2016/table1-entropy-bandit-softmax",
    "pfau2016/table1-chain-actor-critic",
    "pfau2016/table1-dirac-label-smoothing",
)

#: (key, row label) in the order of the paper's Table 1, label smoothing split in two.
STRATEGIES = (
    ("freezing", "Freezing learning"),
    ("smoothing_one_sided", "Label smoothing, one-sided"),
    ("smoothing_two_sided", "Label smoothing, two-sided"),
    ("historical_averaging", "Historical averaging"),
    ("minibatch_discrimination", "Minibatch discrimination"),
    ("batch_normalization", "Batch normalization"),
    ("target_networks", "Target networks"),
    ("replay_buffers", "Replay buffers"),
    ("entropy_regularization", "Entropy regularization"),
    ("compatible_features", "Compatibility"),
)

#: Pfau & Vinyals (2016), Table 1, as we read it: has the strategy been used for GANs / for
#: actor-critic ("yes"), not (to the authors' knowledge, "no"), or is it not applicable.
#: Transcribed from the paper's table; the rows are confirmed by its Section 3 text, the cells
#: could not be re-checked against a machine-readable copy.
PAPER_TABLE1 = {
    "freezing": ("yes", "yes"),
    "smoothing_one_sided": ("yes", "no"),
    "smoothing_two_sided": ("yes", "no"),
    "historical_averaging": ("yes", "no"),
    "minibatch_discrimination": ("yes", "no"),
    "batch_normalization": ("yes", "yes"),
    "target_networks": ("n/a", "yes"),
    "replay_buffers": ("no", "yes"),
    "entropy_regularization": ("no", "yes"),
    "compatible_features": ("no", "yes"),
}

LOG_FLOOR = {"jsd": 1e-12, "w1": 1e-6, "regret": 1e-9, "gap": 1e-9, "radius": 1e-12}
#: GAN freezing: skip the discriminator's step while its loss is 10% below its value at the
#: equilibrium, -V = log 4 (the discriminator is ahead).
FREEZE_D_LOSS = 0.9 * float(np.log(4.0))

TOYS = (
    ("gan_categorical", "GAN: categorical, lr 1", "JSD(p_data‖q)"),
    ("gan_categorical_unstable", "GAN: categorical, lr 16", "JSD(p_data‖q)"),
    ("gan_neural", "GAN: neural 1-D", "W1 to data"),
    ("gan_dirac_sim", "GAN: Dirac, SimGD h 0.2", "r_N/r_0"),
    ("gan_dirac_alt", "GAN: Dirac, AltGD h 0.2", "r_N/r_0"),
    ("ac_bandit", "AC: 10-armed bandit", "regret"),
    ("ac_chain", "AC: chain (Strens)", "(J*−J)/J*"),
)

_NA_GAN_CAT = tabular_st.NOT_APPLICABLE
_NA_AC = tabular_ac.NOT_APPLICABLE


#: Each Table 1 row as stabilizer settings (the option names every StabilizerSpec subclass
#: shares); a GAN toy runs the rows its class implements (:data:`_ROWS`), with the overrides of
#: :data:`_OVERRIDES` (the neural buffer holds 50 batches of 64 samples).
_SETTINGS = {
    "freezing": {"d_loss_floor": FREEZE_D_LOSS},
    "smoothing_one_sided": {"real_label": 0.9},
    "smoothing_two_sided": {"real_label": 0.9, "fake_label": 0.1},
    "historical_averaging": {"hist_avg": 0.01},
    "minibatch_discrimination": {"minibatch": True},
    "batch_normalization": {"batchnorm": True},
    "target_networks": {"target_tau": 0.1},
    "replay_buffers": {"replay_weight": 0.5, "replay_capacity": 50},
    "entropy_regularization": {"entropy": 0.01},
    "compatible_features": {"compatible": True},
}
_ROWS = {
    "categorical": ("freezing", "smoothing_one_sided", "smoothing_two_sided", "historical_averaging",
                    "minibatch_discrimination", "target_networks", "replay_buffers",
                    "entropy_regularization", "compatible_features"),
    "neural": ("freezing", "smoothing_one_sided", "smoothing_two_sided", "historical_averaging",
               "minibatch_discrimination", "batch_normalization", "target_networks", "replay_buffers"),
    "dirac": ("freezing", "smoothing_one_sided", "smoothing_two_sided", "historical_averaging",
              "target_networks", "replay_buffers", "compatible_features"),
}
_OVERRIDES = {"neural": {"replay_buffers": {"replay_capacity": 50 * 64}}}


def _gan_stabilizers(cls, toy: str, key: str):
    """``cls`` (a StabilizerSpec subclass) set for Table 1 row ``key`` on ``toy``, or None where
    the toy's solver does not implement that row."""
    if key not in _ROWS[toy]:
        return None
    return cls(**{**_SETTINGS[key], **_OVERRIDES.get(toy, {}).get(key, {})})


def _ac_options(key: str, base: ACConfig, *, freeze_above: float):
    return {
        "freezing": base.replace(freeze_actor_above=freeze_above),
        "historical_averaging": base.replace(hist_avg=0.01),
        "target_networks": base.replace(target_tau=0.1),
        "replay_buffers": base.replace(replay_capacity=50 * base.n_envs),
        "entropy_regularization": base.replace(entropy=0.1),
        "compatible_features": base.replace(compatible=True),
    }.get(key)


def _na_reason(toy: str, key: str) -> str | None:
    if toy.startswith("gan_dirac"):
        return _NA_DIRAC.get(key)
    if toy.startswith("gan_categorical"):
        return _NA_GAN_CAT.get(key)
    if toy == "gan_neural":
        from solvers.neural.stabilizers import NOT_APPLICABLE

        return NOT_APPLICABLE.get(key)
    return _NA_AC.get(key.replace("smoothing_one_sided", "label_smoothing")
                      .replace("smoothing_two_sided", "label_smoothing"))


# ---------------------------------------------------------------------------------------------
# metrics per toy: one value per seed
# ---------------------------------------------------------------------------------------------


def _categorical_problem(seed: int, n_seeds: int, k: int = 8):
    rngs = [np.random.default_rng(np.random.SeedSequence([seed, 101, i])) for i in range(n_seeds)]
    p = np.stack([r.dirichlet(np.full(k, 2.0)) for r in rngs])
    theta0 = np.stack([1.5 * r.standard_normal(k) for r in rngs])
    return p, theta0


def _categorical_metric(options: GANStabilizers, *, lr: float, n_steps: int, seed: int,
                        n_seeds: int) -> np.ndarray:
    p, theta0 = _categorical_problem(seed, n_seeds)
    with np.errstate(over="ignore"):
        run = train_stabilized_gan(p, theta0=theta0, psi0=np.zeros_like(p), lr_g=lr, lr_d=lr,
                                   n_steps=n_steps, generator_loss="non_saturating",
                                   stabilizers=options, record_every=n_steps)
    return js_divergence(p, run.final_q)


BANDIT_MEANS = np.random.default_rng(2018).standard_normal(10)
#: Freezing thresholds on the running mean |TD error|: above the noise floor of each toy
#: (unit Gaussian reward noise gives E|δ| >= E|N(0, 1)| ≈ 0.8; the chain is noise-free).
BANDIT_FREEZE, CHAIN_FREEZE = 1.0, 0.5


def _bandit_metric(config: ACConfig, *, n_steps: int, seed: int, n_seeds: int) -> np.ndarray:
    mdp = bandit(BANDIT_MEANS, std=1.0)
    run = train_actor_critic(mdp, config, n_steps=n_steps, n_runs=n_seeds,
                             seed=np.random.SeedSequence([seed, 202]))
    return BANDIT_MEANS.max() - run.final_pi[:, 0] @ BANDIT_MEANS


def _chain_metric(config: ACConfig, *, n_steps: int, seed: int, n_seeds: int) -> np.ndarray:
    mdp = chain_mdp(5, gamma=0.9, start="first")
    j_star = value_iteration(mdp).J
    run = train_actor_critic(mdp, config, n_steps=n_steps, n_runs=n_seeds,
                             seed=np.random.SeedSequence([seed, 303]))
    returns = np.array([policy_evaluation(mdp, pi).J for pi in run.final_pi])
    return (j_star - returns) / j_star


DIRAC_STEP = 0.2
#: The linear-regime copy: started at this radius and fitted over steps RATE/2..RATE, where
#: even the fastest-diverging strategy (ρ ≈ 1.02) stays below radius 1e-4.
DIRAC_LINEAR_R0, DIRAC_RATE_STEPS = 1e-9, 500


def _dirac_metric(options: DiracStabilizers, *, scheme: str, n_steps: int, seed: int,
                  n_seeds: int) -> tuple[np.ndarray, np.ndarray]:
    """r_N/r_0 from the unit circle, and the linear-regime rate ρ̂ of a copy at radius 1e-9."""
    angle = np.random.default_rng(np.random.SeedSequence([seed, 505])).uniform(0.0, 2 * np.pi, n_seeds)
    r0 = np.array([1.0, DIRAC_LINEAR_R0])[:, None]
    run = train_stabilized_dirac_gan("gan", r0 * np.cos(angle), r0 * np.sin(angle), step=DIRAC_STEP,
                                     n_steps=n_steps, scheme=scheme, stabilizers=options)
    r = run.distance
    rate = fitted_rate(r[:DIRAC_RATE_STEPS + 1, 1], start=DIRAC_RATE_STEPS // 2)
    return r[-1, 0] / r[0, 0], rate


def _neural_metric(options, *, n_steps: int, seed: int, n_seeds: int) -> np.ndarray:
    from solvers.neural.gan import GANConfig
    from solvers.neural.stabilizers import train_stabilized_neural_gan
    from solvers.problems.mixtures import mixture_1d

    data = mixture_1d([-2.0, 2.0], [0.5, 0.5])
    config = GANConfig(hidden=(16, 16), batch_size=64, lr_g=1e-3, lr_d=1e-3, optimizer_kwargs={"b1": 0.5})
    out = np.empty(n_seeds)
    for i in range(n_seeds):  # each run is its own optimization loop
        ss = np.random.SeedSequence([seed, 404, i])
        run = train_stabilized_neural_gan(data, config, n_steps, ss, stabilizers=options,
                                          n_eval_samples=4000)
        reference = data.sample(4000, np.random.SeedSequence([seed, 405, i]))[:, 0]
        out[i] = wasserstein_1d(run.samples[:, 0], reference)
    return out


# ---------------------------------------------------------------------------------------------
# effects
# ---------------------------------------------------------------------------------------------


def effect(metric: np.ndarray, baseline: np.ndarray, *, floor: float, level: float = 0.95) -> dict:
    """Geometric-mean ratio metric/baseline with a t-interval on the paired log10 ratios."""
    d = np.log10(np.maximum(metric, floor)) - np.log10(np.maximum(baseline, floor))
    n = d.size
    mean = float(d.mean())
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.inf
    return {"log10_ratio": mean, "ci_log10": [mean - half, mean + half], "ratio": 10.0 ** mean,
            "ci_ratio": [10.0 ** (mean - half), 10.0 ** (mean + half)], "n": n,
            "verdict": "better" if mean + half < 0 else ("worse" if mean - half > 0 else "no clear effect")}


def _fmt_ratio(x: float) -> str:
    if x >= 1e4 or x < 1e-3:
        return f"{x:.1e}"
    return f"{x:.3g}"


def _cell_text(cell: dict) -> str:
    if cell["kind"] == "na":
        return "n/a"
    if cell["kind"] == "skipped":
        return "not run (fast)"
    e = cell["effect"]
    lo, hi = e["ci_ratio"]
    return f"×{_fmt_ratio(e['ratio'])} [{_fmt_ratio(lo)}, {_fmt_ratio(hi)}]"


def markdown_table(data: dict) -> str:
    """The measured table as Markdown (rows: strategies; columns: paper verdicts and toys)."""
    toys = data["toys"]
    head = ["Strategy", "Paper: GAN / AC"] + [f"{t['label']} ({t['metric']})" for t in toys]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    base = ["Baseline (geo-mean metric)", ""]
    for t in toys:
        b = t.get("baseline_geomean")
        base.append("not run (fast)" if b is None else f"{b:.3g}")
    lines.append("| " + " | ".join(base) + " |")
    notes = []
    for key, label in STRATEGIES:
        gan, ac = PAPER_TABLE1[key]
        row = [label, f"{gan} / {ac}"]
        for t in toys:
            cell = t["cells"][key]
            text = _cell_text(cell)
            if cell["kind"] == "na":
                notes.append(f"- {label}, {t['label']}: n/a — {cell['reason']}")
            elif cell["kind"] == "measured" and cell["effect"]["verdict"] != "no clear effect":
                text += " ↓" if cell["effect"]["verdict"] == "better" else " ↑"
            row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(f"Cells: geometric-mean ratio metric(strategy)/metric(baseline) over {data['n_seeds']} "
                 "seeds, with a 95% t-interval (paired log10 ratios); ↓ = interval below 1 "
                 "(better), ↑ = above 1 (worse).  Tier: " + ("fast" if data["fast"] else "full") + ".")
    lines.append("Paper column: Pfau & Vinyals (2016), Table 1 (yes = used, no = not used to "
                 "the authors' knowledge, n/a = not applicable), transcribed by hand.")
    lines.append("")
    lines.extend(notes)
    for t in toys:
        rates = t.get("linear_rate")
        if rates:
            labels = dict(STRATEGIES, baseline="baseline")
            parts = [f"{labels[k]} {v:.5f}" for k, v in rates.items()]
            lines.append(f"- {t['label']}: linear-regime rate ρ̂ per step (geo-mean over seeds; "
                         f"< 1 converges, baseline √(1 + h²/4) = {np.sqrt(1 + DIRAC_STEP**2 / 4):.5f} "
                         "for SimGD, 1 for AltGD): " + "; ".join(parts) + ".  Freezing's loss floor is "
                         "never reached near the equilibrium (its ρ̂ is the baseline's); historical "
                         "averaging's uniform mean makes the map time-varying (ρ̂ is the rate over this "
                         "window); compatibility freezes θ while ψ grows linearly, so its ρ̂ - 1 ≈ 1/t "
                         "is polynomial growth.")
    return "\n".join(lines) + "\n"


def measure(*, seed: int = 0, fast: bool = True) -> dict:
    """Run every toy with every strategy; returns the JSON-able table data (no rendering)."""
    n_seeds = 8 if fast else 20
    # lr 1: 500 steps in both tiers (longer runs reach the 1e-12 floor and compare rounding)
    steps = {"gan_categorical": 500, "gan_categorical_unstable": 500 if fast else 2000,
             "gan_neural": 1000, "gan_dirac_sim": 500 if fast else 2000,
             "gan_dirac_alt": 500 if fast else 2000,
             "ac_bandit": 500 if fast else 3000, "ac_chain": 1000 if fast else 4000}
    ac_base = ACConfig(lr_actor=0.3, lr_critic=0.5, n_envs=16)
    toys = []
    for toy, label, metric_name in TOYS:
        if toy == "gan_neural" and fast:
            toys.append({"key": toy, "label": label, "metric": metric_name, "steps": None,
                         "baseline_geomean": None,
                         "cells": {k: {"kind": "skipped"} for k, _ in STRATEGIES}})
            continue
        n = steps[toy]
        n_toy = n_seeds if toy != "gan_neural" else min(n_seeds, 8)
        rates: dict[str, float] = {}
        if toy.startswith("gan_dirac"):
            floor = LOG_FLOOR["radius"]

            def run(key, n=n, rates=rates, scheme="simultaneous" if toy.endswith("sim") else "alternating"):
                opts = DiracStabilizers() if key is None else _gan_stabilizers(DiracStabilizers, "dirac", key)
                ratio, rate = _dirac_metric(opts, scheme=scheme, n_steps=n, seed=seed, n_seeds=n_toy)
                rates["baseline" if key is None else key] = float(np.exp(np.mean(np.log(rate))))
                return ratio
        elif toy.startswith("gan_categorical"):
            lr = 1.0 if toy == "gan_categorical" else 16.0
            floor = LOG_FLOOR["jsd"]

            def run(key, lr=lr, n=n):
                opts = GANStabilizers() if key is None else _gan_stabilizers(GANStabilizers, "categorical", key)
                return _categorical_metric(opts, lr=lr, n_steps=n, seed=seed, n_seeds=n_toy)
        elif toy == "gan_neural":
            floor = LOG_FLOOR["w1"]

            def run(key, n=n):
                from solvers.neural.stabilizers import NeuralStabilizers

                opts = NeuralStabilizers() if key is None else _gan_stabilizers(NeuralStabilizers, "neural", key)
                return _neural_metric(opts, n_steps=n, seed=seed, n_seeds=n_toy)
        elif toy == "ac_bandit":
            floor = LOG_FLOOR["regret"]
            bandit_base = ac_base.replace(lr_critic=0.1)

            def run(key, n=n, base=bandit_base):
                cfg = base if key is None else _ac_options(key, base, freeze_above=BANDIT_FREEZE)
                return _bandit_metric(cfg, n_steps=n, seed=seed, n_seeds=n_toy)
        else:
            floor = LOG_FLOOR["gap"]

            def run(key, n=n):
                cfg = ac_base if key is None else _ac_options(key, ac_base, freeze_above=CHAIN_FREEZE)
                return _chain_metric(cfg, n_steps=n, seed=seed, n_seeds=n_toy)

        baseline = run(None)
        cells = {}
        for key, _ in STRATEGIES:
            reason = _na_reason(toy, key)
            if reason is not None:
                cells[key] = {"kind": "na", "reason": reason}
                continue
            values = run(key)
            cells[key] = {"kind": "measured", "values": values,
                          "effect": effect(values, baseline, floor=floor)}
        toys.append({"key": toy, "label": label, "metric": metric_name, "steps": n, "n_seeds": n_toy,
                     "baseline": baseline, "floor": floor, **({"linear_rate": rates} if rates else {}),
                     "baseline_geomean": float(10.0 ** np.mean(np.log10(np.maximum(baseline, floor)))),
                     "cells": cells})
    data = {"seed": seed, "fast": fast, "n_seeds": n_seeds, "toys": toys,
            "paper_table1": {k: list(v) for k, v in PAPER_TABLE1.items()}}
    data["markdown"] = markdown_table(data)
    return data


_COLOURS = {"better": "#cfe8cf", "worse": "#f4cccc", "no clear effect": "#f2f2f2", "na": "#ffffff",
            "skipped": "#ffffff"}


@figure("pfau2016_table1", title="Pfau & Vinyals (2016), Table 1, measured: stabilizers on GAN and "
        "actor-critic toys", claims=CLAIMS)
def build(*, seed: int = 0, fast: bool = True):
    data = measure(seed=seed, fast=fast)
    toys = data["toys"]
    col_labels = ["Paper\nGAN / AC"] + [f"{t['label']}\n{t['metric']}" for t in toys]
    row_labels = ["Baseline (geo-mean)"] + [label for _, label in STRATEGIES]
    text = [[""] + ["not run (fast)" if t["baseline_geomean"] is None else f"{t['baseline_geomean']:.3g}"
                    for t in toys]]
    colours = [["#ffffff"] * (len(toys) + 1)]
    for key, _ in STRATEGIES:
        gan, ac = PAPER_TABLE1[key]
        row, crow = [f"{gan} / {ac}"], ["#ffffff"]
        for t in toys:
            cell = t["cells"][key]
            row.append(_cell_text(cell))
            crow.append(_COLOURS[cell["effect"]["verdict"]] if cell["kind"] == "measured"
                        else _COLOURS[cell["kind"]])
        text.append(row)
        colours.append(crow)
    fig, ax = new_figure(figsize=(3.2 + 2.3 * len(toys), 0.42 * (len(row_labels) + 3)))
    ax.axis("off")
    table = ax.table(cellText=text, cellColours=colours, rowLabels=row_labels, colLabels=col_labels,
                     loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1.0, 1.6)
    for (r, _c), cell in table.get_celld().items():
        if r == 0:
            cell.set_height(cell.get_height() * 1.6)
    tier = "fast" if fast else "full"
    ax.set_title(f"Effect of each stabilizer: metric ratio vs baseline, 95% CI over {data['n_seeds']} "
                 f"seeds ({tier} tier); green = better, red = worse", fontsize=9)
    return fig, data
