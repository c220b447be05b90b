"""Recovering smooth pyramidal networks from queries (the entangled-weights pipeline).

A floating-point pipeline: Hessians of the black box by finite differences, their span and its
singular-value gap, rank-one matrices in the span, layer assignment, least squares and
fine-tuning — jointly for one hidden layer, layer after layer (far-field first layer, masked
Hessians in its coordinates) for deeper networks, and beyond the second layer a multistart
least-squares search in the known spans; tuned gradient-training baselines; and a
comparison modulo the symmetries of the activation.  See ``docs/recovery.md``.
"""

from .baseline import BaselineReport, train_adam, train_lm_multistart
from .deeper import DeeperFit, fit_deeper_layers
from .compare import Comparison, align, compare, entangled_cosines
from .hessians import CountingOracle, finite_difference_hessians, queries_per_hessian
from .network import FloatNetwork, random_pyramidal, sample_ball, sample_sphere
from .far_field import FirstLayerEstimate, probe_first_layer
from .peeling import InnerLayersEstimate, recover_inner_layers
from .pipeline import RecoveryConfig, RecoveryError, RecoveryResult, recover
from .span import NoSpectralGapError, SpanEstimate, estimate_span

__all__ = ["BaselineReport", "train_adam", "train_lm_multistart", "DeeperFit", "fit_deeper_layers", "Comparison", "align", "compare", "entangled_cosines",
           "CountingOracle", "finite_difference_hessians", "queries_per_hessian", "FloatNetwork",
           "random_pyramidal", "sample_ball", "sample_sphere", "RecoveryConfig", "RecoveryError", "RecoveryResult",
           "recover", "FirstLayerEstimate", "probe_first_layer", "InnerLayersEstimate", "recover_inner_layers",
           "NoSpectralGapError", "SpanEstimate", "estimate_span"]
