"""sk_stdp: spike-timing-dependent plasticity as a scikit-learn transformer."""

from ._conv import ConvSTDPTransformer
from ._transformer import STDPTransformer
from .events import SpikeBinner, SpikeEvents, bin_spikes, iter_binned, trains_to_events

__all__ = [
    "ConvSTDPTransformer",
    "STDPTransformer",
    "SpikeBinner",
    "SpikeEvents",
    "bin_spikes",
    "iter_binned",
    "trains_to_events",
]
__version__ = "0.1.0"
