"""Bounds of the Jensen-Shannon divergence (Lin 1991), used throughout the GAN papers."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import jensenshannon

from experiments.registry import Context, Evidence, claim
from solvers.problems.categorical import disjoint_pair, random_pair
from theory.divergences import js_divergence, total_variation

JS_BOUNDS = "lin1991/js-bounds"


@claim(
    JS_BOUNDS,
    statement="TV^2/2 <= JS(p || q) <= TV log 2, hence 0 <= JS <= log 2, with JS = 0 iff p = q and "
    "JS = log 2 exactly when the supports are disjoint.",
    source="Lin (1991), 'Divergence measures based on the Shannon entropy', IEEE Trans. Inf. "
    "Theory 37(1), Section IV; Arjovsky et al. (2017), Section 2",
    kinds=("exact",),
    closed_form="theory.divergences.js_divergence",
    problem="solvers.problems.categorical.random_pair",
)
def js_bounds(ctx: Context):
    rng = ctx.rng(0)
    pairs = [random_pair(8, rng, zero_atoms=bool(i % 2)) for i in range(500)]
    p = np.array([pr.p_data for pr in pairs])
    q = np.array([pr.p_model for pr in pairs])
    js = js_divergence(p, q)
    # scipy returns the Jensen-Shannon *distance*, the square root of the divergence.
    js_scipy = jensenshannon(p, q, axis=-1) ** 2
    disjoint = [disjoint_pair(k) for k in (2, 3, 8, 100)]
    js_disjoint = np.array([js_divergence(d.p_data, d.p_model) for d in disjoint])
    tv = total_variation(p, q)
    # 0 <= JS <= log 2 follows from the sharper TV^2 / 2 <= JS <= TV log 2 (TV <= 1), which is
    # what is checked: an implementation that merely clips to [0, log 2] would not pass it.
    # Lower: Pinsker on KL(p || m) and KL(q || m) with TV(p, m) = TV(q, m) = TV(p, q) / 2.
    return {
        "exact-lower-pinsker": Evidence.bound(
            float(np.min(js - tv**2 / 2)), 0.0, relation=">=", slack=1e-15,
            reason="exact inequality TV^2/2 <= JS on 500 random pairs; 1e-15 rounding slack"),
        "exact-upper-tv": Evidence.bound(
            float(np.max(js - tv * np.log(2.0))), 0.0, relation="<=", slack=1e-15,
            reason="exact inequality JS <= TV log 2 on 500 random pairs; 1e-15 rounding slack"),
        "exact-vs-scipy": Evidence.close(
            js_scipy, js, atol=1e-12,
            reason="independent implementation (scipy's distance, squared); float64 rounding"),
        "exact-disjoint": Evidence.close(
            np.full(len(disjoint), np.log(2.0)), js_disjoint, atol=1e-15, rtol=1e-15,
            reason="log 2 computed from sums of 0 and (1/2) log 2 terms; one ulp"),
        "exact-equal": Evidence.close(
            np.zeros(50), js_divergence(p[:50], p[:50]), atol=1e-15,
            reason="p = q: every term is 0 up to rounding"),
    }
